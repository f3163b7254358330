"""Couriers: their profile and availability, their live deliveries, and the orders waiting for one."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.timezone import now

from src.models.accounts import Role, User
from src.models.delivery import CourierProfile, DeliveryAssignment, Vehicle
from src.services import markets as markets_service
from src.services.assignments.states import LIVE
from src.services.common.errors import DomainError, ErrorCode, invalid
from src.services.orders.reading import orders_by_ids, ready_order_ids
from src.services.permissions import Action, authorize, require_role

if TYPE_CHECKING:
    from src.models.orders import Order


async def profile_of(courier: User) -> CourierProfile:
    profile = await CourierProfile.get_or_none(user_id=courier.id)
    if profile is None:
        try:
            profile = await CourierProfile.create(user_id=courier.id)
        except IntegrityError:  # made meanwhile by a racing request
            profile = await CourierProfile.get(user_id=courier.id)
    return profile


async def profiles_of(couriers: list[User]) -> list[CourierProfile]:
    """profile_of for many couriers, in one query (and one insert for each courier still without one)."""
    found = (
        {p.user_id: p for p in await CourierProfile.filter(user_id__in=[c.id for c in couriers])} if couriers else {}
    )
    return [found[c.id] if c.id in found else await profile_of(c) for c in couriers]


def require_courier(actor: User | None) -> User:
    """The acting courier, who must belong to a market."""
    courier = require_role(actor, Role.COURIER)
    if courier.market_id is None:
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    return courier


def _check_location(lat: float, lng: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise invalid("location", "INVALID_LOCATION")


async def set_availability(
    *,
    actor: User | None,
    available: bool,
    lat: float | None = None,
    lng: float | None = None,
    vehicle: Vehicle | None = None,
) -> tuple[CourierProfile, list[int]]:
    """A courier starts or stops taking orders (with where they are). Returns the profile and, when they
    become available, the market's orders waiting for a courier (to be offered again)."""  # fmt: skip
    courier = require_courier(actor)
    if (lat is None) != (lng is None):
        raise invalid("location", "INVALID_LOCATION")
    if lat is not None and lng is not None:
        _check_location(lat, lng)
    profile = await profile_of(courier)
    profile.available = available
    if lat is not None and lng is not None:
        profile.latitude, profile.longitude = Decimal(str(round(lat, 6))), Decimal(str(round(lng, 6)))
        profile.located_at = now()
    if vehicle is not None:
        profile.vehicle = vehicle
    await profile.save()
    waiting = await waiting_order_ids(courier.market_id) if available and courier.market_id else []
    return profile, waiting


async def live_counts(courier_ids: Iterable[int]) -> dict[int, int]:
    """Live deliveries (offered, accepted, picked up) per courier, in one query."""
    ids = list(courier_ids)
    if not ids:
        return {}
    rows = (
        await DeliveryAssignment.filter(courier_id__in=ids, status__in=list(LIVE))
        .annotate(n=Count("id"))
        .group_by("courier_id")
        .values("courier_id", "n")
    )
    return {int(r["courier_id"]): int(r["n"]) for r in rows}


async def waiting_order_ids(market_id: int) -> list[int]:
    """The market's orders ready for pickup that nobody is assigned to (oldest slot first)."""
    ready = await ready_order_ids(market_id=market_id)
    if not ready:
        return []
    taken = set(
        await DeliveryAssignment.filter(live_order_id__in=list(ready)).values_list("live_order_id", flat=True)  # type: ignore[call-overload]
    )
    return [i for i in ready if i not in taken]


async def waiting_orders(*, actor: User | None, market_id: int) -> list[Order]:
    """Market admin: orders ready for pickup with no courier (every offer declined or expired, or no
    courier available), for assigning by hand."""
    market = await markets_service.market_or_none(market_id)
    if market is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="marketId")
    authorize(actor, Action.ADMINISTER, market)
    ids = await waiting_order_ids(market_id)
    return await orders_by_ids(ids)


async def market_couriers(*, actor: User | None, market_id: int) -> list[tuple[User, CourierProfile]]:
    """Market admin: the market's couriers with their profiles, available ones first."""
    market = await markets_service.market_or_none(market_id)
    if market is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="marketId")
    authorize(actor, Action.ADMINISTER, market)
    couriers = await User.filter(role=Role.COURIER, market_id=market_id, is_active=True).order_by("name", "id")
    profiles = {p.user_id: p for p in await CourierProfile.filter(user_id__in=[c.id for c in couriers] or [0])}
    pairs = [(c, profiles.get(c.id) or CourierProfile(user_id=c.id)) for c in couriers]
    return sorted(pairs, key=lambda pair: not pair[1].available)

"""Couriers and deliveries: availability, automatic and manual assignment, the courier's queue, pickup,
proof of delivery, cash on delivery and the day's settlement.

An order is offered to a courier when it becomes READY_FOR_PICKUP (the goods are packed, so a courier
never waits at a stall, and an order cancelled or shrunk before then never ties a courier up). The offer
goes to an available courier of the market with the fewest live deliveries, the nearest to the market on
a tie. An offer not accepted in time, or declined, passes to the next courier who has not had it.
With nobody left the order waits, visible to the market admin, who can always assign by hand.

Every status change goes through ASSIGNMENT_TRANSITIONS under the order's row lock, and an order has
at most one live assignment (a unique column), so a job that runs twice never assigns twice.
"""

import asyncio
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.delivery import AssignmentStatus, CourierProfile, DeliveryAssignment, Vehicle
from src.models.markets import Market
from src.models.orders import (
    Order,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    SlotWindow,
    StallOrder,
    StallOrderStatus,
)
from src.models.outbox import OutboxEvent
from src.services import imaging, live, outbox, photos
from src.services import orders as orders_service
from src.services.errors import DomainError, ErrorCode, invalid
from src.services.money import distance_km
from src.services.notification_texts import StatusName
from src.services.permissions import Action, authorize, may, require_role
from src.settings import Settings
from src.storage import Storage

A = AssignmentStatus
ASSIGNMENT_TRANSITIONS: set[tuple[AssignmentStatus, AssignmentStatus]] = {
    (A.OFFERED, A.ACCEPTED),
    (A.OFFERED, A.DECLINED),
    (A.OFFERED, A.EXPIRED),
    (A.OFFERED, A.WITHDRAWN),
    (A.ACCEPTED, A.PICKED_UP),
    (A.ACCEPTED, A.DECLINED),  # handed back before pickup: passes on like a declined offer
    (A.ACCEPTED, A.WITHDRAWN),
    (A.PICKED_UP, A.DELIVERED),
    (A.PICKED_UP, A.FAILED),
    (A.PICKED_UP, A.WITHDRAWN),  # the order was cancelled on the way: the goods go back to the market
}
LIVE = {A.OFFERED, A.ACCEPTED, A.PICKED_UP}
WINDOW_ORDER = {SlotWindow.MORNING: 0, SlotWindow.MIDDAY: 1, SlotWindow.AFTERNOON: 2}
PROOF_LONG_EDGE = 1280


def assignment_state_error(assignment: DeliveryAssignment) -> DomainError:
    """INVALID_STATE naming the delivery's status as people call it (not its code)."""
    return DomainError(
        ErrorCode.INVALID_STATE, message_key="ASSIGNMENT_STATE", status=StatusName("assignment", assignment.status)
    )


def move(assignment: DeliveryAssignment, target: AssignmentStatus) -> None:
    if (assignment.status, target) not in ASSIGNMENT_TRANSITIONS:
        raise assignment_state_error(assignment)
    assignment.status = target
    if target not in LIVE:
        assignment.live_order_id = None
        assignment.ended_at = now()


# ---------------------------------------------------------------------------------------------- couriers


async def profile_of(courier: User) -> CourierProfile:
    profile = await CourierProfile.get_or_none(user_id=courier.id)
    if profile is None:
        try:
            profile = await CourierProfile.create(user_id=courier.id)
        except IntegrityError:  # made meanwhile by a racing request
            profile = await CourierProfile.get(user_id=courier.id)
    return profile


def _require_courier(actor: User | None) -> User:
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
    courier = _require_courier(actor)
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
    ready = (
        await Order.filter(market_id=market_id, status=OrderStatus.READY_FOR_PICKUP)
        .order_by("slot_date", "id")
        .values_list("id", flat=True)
    )
    if not ready:
        return []
    taken = set(
        await DeliveryAssignment.filter(live_order_id__in=list(ready)).values_list("live_order_id", flat=True)  # type: ignore[call-overload]
    )
    return [int(i) for i in ready if i not in taken]  # type: ignore[call-overload]


async def waiting_orders(*, actor: User | None, market_id: int) -> list[Order]:
    """Market admin: orders ready for pickup with no courier (every offer declined or expired, or no
    courier available), for assigning by hand."""
    market = await Market.get_or_none(id=market_id)
    if market is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="marketId")
    authorize(actor, Action.ADMINISTER, market)
    ids = await waiting_order_ids(market_id)
    by_id = {o.id: o for o in await Order.filter(id__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


# ---------------------------------------------------------------------------------------------- offers


async def _choose_courier(order: Order, market: Market) -> User | None:
    """The available courier of the market with the fewest live deliveries, nearest to the market on a tie,
    who has not yet declined or let pass an offer of this order."""
    had_it = await DeliveryAssignment.filter(order_id=order.id).values_list("courier_id", flat=True)
    couriers = await User.filter(
        role=Role.COURIER, market_id=order.market_id, is_active=True, courier_profile__available=True
    ).exclude(id__in=list(had_it) or [0])
    if not couriers:
        return None
    profiles = {p.user_id: p for p in await CourierProfile.filter(user_id__in=[c.id for c in couriers])}
    counts = await live_counts(c.id for c in couriers)
    home = (float(market.latitude), float(market.longitude))

    def rank(courier: User) -> tuple[int, Decimal, int]:
        profile = profiles.get(courier.id)
        if profile is None or profile.latitude is None or profile.longitude is None:
            far = Decimal("1e6")  # no location yet: after everyone who shared theirs
        else:
            far = distance_km(*home, float(profile.latitude), float(profile.longitude))
        return counts.get(courier.id, 0), far, courier.id

    return min(couriers, key=rank)


async def _offer(order: Order, settings: Settings) -> DeliveryAssignment | None:
    """Inside the order's lock: offer it to the next courier, or record that nobody is left."""
    market = await Market.get(id=order.market_id)
    courier = await _choose_courier(order, market)
    if courier is None:
        await orders_service.record_event(order, "NO_COURIER", None)
        return None
    assignment = await _new_assignment(
        order, courier, A.OFFERED, expires_at=now() + timedelta(seconds=settings.delivery_offer_seconds)
    )
    await _delivery_event(assignment, "offered", order)
    return assignment


async def _new_assignment(order: Order, courier: User, status: AssignmentStatus, **fields: Any) -> DeliveryAssignment:
    """A live assignment of the order (holding its unique live slot) with the cash to collect at the door."""
    return await DeliveryAssignment.create(
        order_id=order.id,
        courier_id=courier.id,
        market_id=order.market_id,
        status=status,
        live_order_id=order.id,
        cod_expected=_cod_expected(order),
        **fields,
    )


def _cod_expected(order: Order) -> int:
    return (
        order.total if order.payment_method == PaymentMethod.COD and order.payment_status == PaymentStatus.UNPAID else 0
    )


async def _has_live(order_id: int) -> bool:
    return await DeliveryAssignment.filter(live_order_id=order_id).exists()


async def offer_order(*, order_id: int, settings: Settings) -> DeliveryAssignment | None:
    """The assignment job: offer a ready order with no live assignment to a courier. Runs any number of
    times: under the order's lock, an order that has one (or is no longer ready) is left alone."""
    async with in_transaction():
        order = await Order.select_for_update().get_or_none(id=order_id)
        if order is None or order.status != OrderStatus.READY_FOR_PICKUP or await _has_live(order.id):
            return None
        return await _offer(order, settings)


async def expire_offer(*, assignment_id: int, settings: Settings) -> DeliveryAssignment | None:
    """An offer's time ran out: it passes to the next courier. A no-op once accepted, declined or gone."""
    assignment = await DeliveryAssignment.get_or_none(id=assignment_id)
    if assignment is None:
        return None
    async with in_transaction():
        order = await Order.select_for_update().get(id=assignment.order_id)
        assignment = await DeliveryAssignment.select_for_update().get(id=assignment_id)
        if assignment.status != A.OFFERED or assignment.expires_at is None or assignment.expires_at > now():
            return None
        move(assignment, A.EXPIRED)
        await assignment.save()
        _touch(assignment)
        if order.status != OrderStatus.READY_FOR_PICKUP:
            return None
        return await _offer(order, settings)


async def expired_offer_ids(*, grace: timedelta, limit: int = 200) -> list[int]:
    """Offers past their time by more than the grace (their deferred job was lost): for the sweep."""
    rows = (
        await DeliveryAssignment.filter(status=A.OFFERED, expires_at__lt=now() - grace)
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [int(i) for i in rows]  # type: ignore[call-overload]


# ---------------------------------------------------------------------------------------------- courier steps


async def _own(actor: User | None, assignment_id: int) -> tuple[User, DeliveryAssignment]:
    courier = _require_courier(actor)
    assignment = await DeliveryAssignment.get_or_none(id=assignment_id)
    # Another courier's assignment is reported as missing: its existence is none of their business.
    if assignment is None or assignment.courier_id != courier.id:
        raise DomainError(ErrorCode.NOT_FOUND, field="assignmentId")
    return courier, assignment


async def _locked(assignment: DeliveryAssignment) -> tuple[Order, DeliveryAssignment]:
    """The order's lock first (as every order change takes it), then the assignment's."""
    order = await Order.select_for_update().get(id=assignment.order_id)
    return order, await DeliveryAssignment.select_for_update().get(id=assignment.id)


async def accept(*, actor: User | None, assignment_id: int) -> DeliveryAssignment:
    courier, assignment = await _own(actor, assignment_id)
    async with in_transaction():
        order, assignment = await _locked(assignment)
        if assignment.status == A.OFFERED and assignment.expires_at is not None and assignment.expires_at <= now():
            raise DomainError(ErrorCode.INVALID_STATE, message_key="OFFER_EXPIRED")
        move(assignment, A.ACCEPTED)
        assignment.accepted_at = now()
        await assignment.save()
        await orders_service.record_event(
            order, "COURIER_ASSIGNED", courier, courier.name, extra=_courier_extra(courier)
        )
        _touch(assignment)
    return assignment


def _courier_extra(courier: User) -> dict[str, Any]:
    return {"courier_id": courier.id, "courier_name": courier.name, "courier_phone": courier.phone}


def _reason(reason: str) -> str:
    cleaned = " ".join((reason or "").split())
    if not cleaned:
        raise invalid("reason", "REASON_REQUIRED")
    return cleaned[:500]


async def decline(
    *, actor: User | None, assignment_id: int, reason: str, settings: Settings
) -> tuple[DeliveryAssignment, DeliveryAssignment | None]:
    """The courier will not take it: it passes at once to the next courier (returned, if any)."""
    courier, assignment = await _own(actor, assignment_id)
    cleaned = _reason(reason)
    async with in_transaction():
        order, assignment = await _locked(assignment)
        was_accepted = assignment.status == A.ACCEPTED
        move(assignment, A.DECLINED)
        assignment.reason = cleaned
        await assignment.save()
        _touch(assignment)
        if was_accepted:
            await orders_service.record_event(order, "COURIER_UNASSIGNED", courier, cleaned)
        following = await _offer(order, settings) if order.status == OrderStatus.READY_FOR_PICKUP else None
    return assignment, following


async def mark_picked_up(*, actor: User | None, assignment_id: int) -> DeliveryAssignment:
    """Every stall's part is in the courier's bag: the order is out for delivery."""
    courier, assignment = await _own(actor, assignment_id)
    async with in_transaction():
        order, assignment = await _locked(assignment)
        move(assignment, A.PICKED_UP)
        orders_service.move_order(order, OrderStatus.OUT_FOR_DELIVERY)  # INVALID_STATE until every part is ready
        assignment.picked_up_at = now()
        await assignment.save()
        await order.save()
        await orders_service.record_event(order, "PICKED_UP", courier, courier.name, extra=_courier_extra(courier))
        _touch(assignment)
    return assignment


async def mark_delivered(
    *,
    actor: User | None,
    assignment_id: int,
    cod_collected: int | None,
    proof_photo: bytes | None,
    storage: Storage,
    settings: Settings,
) -> DeliveryAssignment:
    """Handed over at the door, with a photo (metadata stripped) and, for COD, the cash collected. A
    collected amount that differs from what was due is recorded and flagged on the timeline."""
    courier, assignment = await _own(actor, assignment_id)
    if cod_collected is not None and cod_collected < 0:
        raise invalid("codCollected", "NEGATIVE_AMOUNT")
    if assignment.cod_expected > 0 and cod_collected is None:
        raise invalid("codCollected", "COD_AMOUNT_REQUIRED")
    if assignment.cod_expected == 0 and cod_collected:
        raise invalid("codCollected", "NOTHING_TO_COLLECT")
    if assignment.status != A.PICKED_UP:  # checked again under the lock; here to spare storing a photo
        raise assignment_state_error(assignment)
    key = None
    if proof_photo is not None:
        photos.check_size(len(proof_photo), settings, field="proofPhoto")
        try:
            jpeg = await asyncio.to_thread(
                imaging.upright_jpeg, proof_photo, max_pixels=settings.max_image_pixels, long_edge=PROOF_LONG_EDGE
            )
        except imaging.ImageRejected as exc:
            raise invalid("proofPhoto", exc.reason) from exc
        # Private: only the buyer, the courier and the market's admins get a (short-lived, signed) link.
        key = f"proofs/{assignment.id}-{secrets.token_urlsafe(8)}.jpg"
        await storage.put(key, jpeg, content_type="image/jpeg", cache_control="private, max-age=900")
    async with in_transaction():
        order, assignment = await _locked(assignment)
        move(assignment, A.DELIVERED)
        orders_service.move_order(order, OrderStatus.DELIVERED)
        assignment.delivered_at = now()
        assignment.proof_photo_key = key
        if assignment.cod_expected > 0:
            assignment.cod_collected = cod_collected
            assignment.cod_difference = (cod_collected or 0) - assignment.cod_expected
            order.payment_status = PaymentStatus.PAID
        await assignment.save()
        await order.save()
        await orders_service.record_event(order, "DELIVERED", courier, courier.name, extra=_courier_extra(courier))
        if assignment.cod_difference:
            amounts = {"expected": assignment.cod_expected, "collected": assignment.cod_collected}
            # Told in the reader's language when read (Rp 50.840), and to the market's admins only.
            await orders_service.record_event(order, "COD_MISMATCH", courier, params=amounts, extra=amounts)
        _touch(assignment)
    return assignment


async def mark_failed(*, actor: User | None, assignment_id: int, reason: str) -> DeliveryAssignment:
    """Could not hand it over (nobody home, wrong address): the goods go back to the market and the order
    waits for the market admin, who assigns it again or cancels it."""
    courier, assignment = await _own(actor, assignment_id)
    cleaned = _reason(reason)
    async with in_transaction():
        order, assignment = await _locked(assignment)
        move(assignment, A.FAILED)
        orders_service.move_order(order, OrderStatus.READY_FOR_PICKUP)
        assignment.reason = cleaned
        await assignment.save()
        await order.save()
        await orders_service.record_event(order, "DELIVERY_FAILED", courier, cleaned)
        _touch(assignment)
    return assignment


# ---------------------------------------------------------------------------------------------- admins


async def assign_manually(*, actor: User | None, order_id: int, courier_id: int) -> DeliveryAssignment:
    """Market admin: give an order to a courier of its market (accepted at once: the admin has arranged
    it). A live assignment to someone else is withdrawn, unless the goods are already on their way."""
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="orderId")
    authorize(actor, Action.ADMINISTER, order)
    courier = await User.get_or_none(id=courier_id, role=Role.COURIER)
    if courier is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="courierId")
    if courier.market_id != order.market_id:
        raise DomainError(ErrorCode.DIFFERENT_MARKET, field="courierId", message_key="COURIER_OTHER_MARKET")
    if not courier.is_active:
        raise invalid("courierId", "COURIER_INACTIVE")
    async with in_transaction():
        order = await Order.select_for_update().get(id=order.id)
        if order.status not in (OrderStatus.PLACED, OrderStatus.PROCESSING, OrderStatus.READY_FOR_PICKUP):
            raise orders_service.order_state_error(order)
        current = await DeliveryAssignment.select_for_update().get_or_none(live_order_id=order.id)
        if current is not None:
            if current.courier_id == courier.id and current.status != A.OFFERED:
                return current
            move(current, A.WITHDRAWN)  # INVALID_STATE once picked up: the goods are with that courier
            current.reason = "REASSIGNED"
            await current.save()
            _touch(current)
        assignment = await _new_assignment(
            order, courier, A.ACCEPTED, assigned_by_id=actor.id if actor else None, accepted_at=now()
        )
        await orders_service.record_event(order, "COURIER_ASSIGNED", actor, courier.name, extra=_courier_extra(courier))
        await _delivery_event(assignment, "assigned", order)
        _touch(assignment)
    return assignment


async def live_courier_ids(*, order_id: int) -> list[int]:
    """The couriers holding a live assignment (offered, accepted, picked up) of an order."""
    rows = await DeliveryAssignment.filter(order_id=order_id, status__in=list(LIVE)).values_list(
        "courier_id", flat=True
    )
    return [int(c) for c in rows]  # type: ignore[call-overload]


async def courier_contact(*, order_id: int, courier_id: int, settings: Settings) -> bool | None:
    """None when the order was never this courier's (offered, carrying or carried); else whether they
    still see the buyer's address and phone (see `courier_sees_contact`)."""
    assignments = await DeliveryAssignment.filter(
        order_id=order_id, courier_id=courier_id, status__in=[*LIVE, A.DELIVERED, A.FAILED]
    )
    if not assignments:
        return None
    return any(courier_sees_contact(a, settings) for a in assignments)


async def withdraw_for_order(order: Order, reason: str) -> int | None:
    """Inside a cancellation (the order locked): its live assignment ends. Returns the courier to tell."""
    current = await DeliveryAssignment.select_for_update().get_or_none(live_order_id=order.id)
    if current is None:
        return None
    move(current, A.WITHDRAWN)
    current.reason = reason[:500]
    await current.save()
    _touch(current)
    return current.courier_id


# ---------------------------------------------------------------------------------------------- reading


@dataclass
class Pickup:
    """One stall's part to fetch: the stall (loaded), whether its trader marked it ready, its items."""

    part: StallOrder
    items: list[OrderItem]

    @property
    def ready(self) -> bool:
        return self.part.status == StallOrderStatus.READY


@dataclass
class QueueEntry:
    assignment: DeliveryAssignment
    order: Order
    pickups: list[Pickup] = field(default_factory=list)
    leg_km: Decimal | None = None  # from the previous stop (the market for the first of a slot)


async def entry_for(assignment: DeliveryAssignment) -> QueueEntry:
    """One assignment with its order and pickups, as the queue shows it."""
    entry = QueueEntry(assignment, await Order.get(id=assignment.order_id))
    await attach_pickups([entry])
    return entry


async def delivery_queue(*, actor: User | None, statuses: list[AssignmentStatus] | None = None) -> list[QueueEntry]:
    """The courier's assignments in the order they work them: by slot, then a nearest-neighbour route from
    the market. Four queries whatever the queue's length."""
    courier = _require_courier(actor)
    wanted = statuses or sorted(LIVE)
    assignments = await DeliveryAssignment.filter(courier_id=courier.id, status__in=wanted).select_related("order")
    entries = [QueueEntry(a, a.order) for a in assignments]
    await attach_pickups(entries)
    market = await Market.get(id=courier.market_id)
    return route(entries, (float(market.latitude), float(market.longitude)))


async def attach_pickups(entries: list[QueueEntry]) -> None:
    """Each entry's pickups (stall, readiness, items), in two queries for any number of entries."""
    order_ids = [e.order.id for e in entries]
    if not order_ids:
        return
    parts = (
        await StallOrder.filter(order_id__in=order_ids, status__in=list(orders_service.LIVE_PARTS))
        .select_related("stall")
        .order_by("id")
    )
    items = await OrderItem.filter(stall_order_id__in=[p.id for p in parts]).order_by("id")
    by_part: dict[int, list[OrderItem]] = {}
    for item in items:
        by_part.setdefault(item.stall_order_id, []).append(item)
    by_order: dict[int, list[Pickup]] = {}
    for part in parts:
        by_order.setdefault(part.order_id, []).append(Pickup(part, by_part.get(part.id, [])))
    for entry in entries:
        entry.pickups = by_order.get(entry.order.id, [])


def _leg(here: tuple[float, float], order: Order) -> Decimal:
    return distance_km(*here, float(order.latitude), float(order.longitude))


def route(entries: list[QueueEntry], start: tuple[float, float]) -> list[QueueEntry]:
    """Slot by slot (date, then window); within a slot, always the nearest next address from the market."""
    slots: dict[tuple[date, int], list[QueueEntry]] = {}
    for entry in entries:
        slots.setdefault((entry.order.slot_date, WINDOW_ORDER[entry.order.slot_window]), []).append(entry)
    ordered: list[QueueEntry] = []
    for key in sorted(slots):
        left = sorted(slots[key], key=lambda e: e.assignment.id)
        here = start
        while left:
            legs = [
                (distance_km(*here, float(e.order.latitude), float(e.order.longitude)), i) for i, e in enumerate(left)
            ]
            leg, index = min(legs)
            entry = left.pop(index)
            entry.leg_km = leg
            here = (float(entry.order.latitude), float(entry.order.longitude))
            ordered.append(entry)
    return ordered


async def visible_assignment(actor: User | None, assignment_id: int) -> DeliveryAssignment | None:
    """An assignment for its courier and its market's admins; None for anyone else."""
    assignment = await DeliveryAssignment.get_or_none(id=assignment_id)
    if assignment is None or actor is None:
        return None
    if assignment.courier_id == actor.id or may(actor, Action.ADMINISTER, assignment):
        return assignment
    return None


# An order's delivery as its viewer sees it: the latest assignment a courier took (its admins also see a
# pending offer).
SHOWN = {A.ACCEPTED, A.PICKED_UP, A.DELIVERED, A.FAILED}
SHOWN_TO_ADMINS = SHOWN | {A.OFFERED}


def courier_sees_contact(assignment: DeliveryAssignment, settings: Settings) -> bool:
    """Whether the courier of an assignment still sees the buyer's address, name and phone: while the
    delivery is live and for a grace period after it was delivered or failed (questions at the door, a
    second try), as delivery platforms do; never for an offer declined, expired or withdrawn."""
    if assignment.status in LIVE:
        return True
    if assignment.status not in (A.DELIVERED, A.FAILED):
        return False
    ended = assignment.ended_at or assignment.delivered_at
    return ended is not None and now() - ended < timedelta(hours=settings.courier_contact_grace_hours)


def order_view(viewer: User | None, entry: QueueEntry, settings: Settings) -> orders_service.OrderView:
    """An assignment's order as the one reading the assignment sees it (its courier, the market's admins,
    the buyer through their order's delivery): of couriers, only its own sees the buyer's contact, and
    only within the grace period."""
    parts, view = [p.part for p in entry.pickups], orders_service.Viewpoint
    if viewer is not None and viewer.id == entry.order.buyer_id:
        return orders_service.OrderView(entry.order, parts, True, view.BUYER, True)
    if viewer is not None and viewer.role == Role.COURIER:
        seen = viewer.id == entry.assignment.courier_id and courier_sees_contact(entry.assignment, settings)
        return orders_service.OrderView(entry.order, parts, True, view.COURIER, seen)
    if viewer is not None and may(viewer, Action.ADMINISTER, entry.order):
        return orders_service.OrderView(entry.order, parts, True, view.ADMIN, True)
    return orders_service.OrderView(entry.order, [], False, view.TRADER, False)  # nobody else gets here


def sees_offers(viewer: User | None, order: Order) -> bool:
    return viewer is not None and may(viewer, Action.ADMINISTER, order)


def proof_url(assignment: DeliveryAssignment, storage: Storage) -> str | None:
    """A signed link valid for 15 minutes (the photo is private): asked again, it is signed again."""
    return storage.private_url(assignment.proof_photo_key, expires_in=900) if assignment.proof_photo_key else None


# ---------------------------------------------------------------------------------------------- settlement


@dataclass
class Settlement:
    courier: User
    day: date
    deliveries: list[DeliveryAssignment]

    @property
    def cod_expected(self) -> int:
        return sum(d.cod_expected for d in self.deliveries if d.status == A.DELIVERED)

    @property
    def cod_collected(self) -> int:
        return sum(d.cod_collected or 0 for d in self.deliveries)

    @property
    def difference(self) -> int:
        return self.cod_collected - self.cod_expected

    @property
    def remitted(self) -> bool:
        owed = [d for d in self.deliveries if d.cod_collected]
        return all(d.cash_remitted_at is not None for d in owed)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=orders_service.WIB)
    return start, start + timedelta(days=1)


async def _settlements(couriers: list[User], day: date) -> list[Settlement]:
    start, end = _day_bounds(day)
    rows = await DeliveryAssignment.filter(
        courier_id__in=[c.id for c in couriers] or [0], delivered_at__gte=start, delivered_at__lt=end
    ).order_by("delivered_at", "id")
    return [Settlement(c, day, [r for r in rows if r.courier_id == c.id]) for c in couriers]


async def _settled_courier(actor: User | None, courier_id: int | None) -> User:
    if actor is not None and actor.role == Role.COURIER:
        if courier_id is not None and courier_id != actor.id:
            raise DomainError(ErrorCode.PERMISSION_DENIED, field="courierId")
        return _require_courier(actor)
    require_role(actor, Role.MARKET_ADMIN)
    if courier_id is None:
        raise invalid("courierId", "COURIER_REQUIRED")
    courier = await User.get_or_none(id=courier_id, role=Role.COURIER)
    if courier is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="courierId")
    authorize(actor, Action.ADMINISTER, courier)
    return courier


async def courier_settlement(*, actor: User | None, day: date, courier_id: int | None = None) -> Settlement:
    """A courier's deliveries on a day (WIB) and the cash on delivery expected, collected and remitted."""
    courier = await _settled_courier(actor, courier_id)
    return (await _settlements([courier], day))[0]


async def market_settlements(*, actor: User | None, market_id: int, day: date) -> list[Settlement]:
    """Market admin: every courier of the market for a day."""
    market = await Market.get_or_none(id=market_id)
    if market is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="marketId")
    authorize(actor, Action.ADMINISTER, market)
    couriers = await User.filter(role=Role.COURIER, market_id=market_id).order_by("name", "id")
    return await _settlements(couriers, day)


async def mark_cash_remitted(*, actor: User | None, courier_id: int, day: date) -> Settlement:
    """Market admin: the courier handed over the day's cash; marks what was not yet marked."""
    require_role(actor, Role.MARKET_ADMIN)
    courier = await _settled_courier(actor, courier_id)
    start, end = _day_bounds(day)
    await DeliveryAssignment.filter(
        courier_id=courier.id,
        delivered_at__gte=start,
        delivered_at__lt=end,
        cod_collected__gt=0,
        cash_remitted_at__isnull=True,
    ).update(cash_remitted_at=now(), cash_remitted_by_id=actor.id if actor else None)
    return (await _settlements([courier], day))[0]


# ---------------------------------------------------------------------------------------------- events


def _touch(assignment: DeliveryAssignment) -> None:
    outbox.touch(live.courier_channel(assignment.courier_id), live.order_channel(assignment.order_id))


async def _delivery_event(assignment: DeliveryAssignment, kind: str, order: Order) -> None:
    """An outbox event for the courier (offers and manual assignments): a notification and, for an
    offer, the deferred job that passes it on when it is not accepted in time."""
    event = await OutboxEvent.create(
        topic=f"delivery.{kind}",
        payload={
            "order_id": order.id,
            "assignment_id": assignment.id,
            "courier_id": assignment.courier_id,
            "expires_at": assignment.expires_at.isoformat() if assignment.expires_at else None,
            "offer_seconds": (assignment.expires_at - now()).total_seconds() if assignment.expires_at else None,
            "cod": assignment.cod_expected,
            "order": await orders_service.snapshot(order),
        },
    )
    outbox.note(event.id)
    _touch(assignment)


async def market_couriers(*, actor: User | None, market_id: int) -> list[tuple[User, CourierProfile]]:
    """Market admin: the market's couriers with their profiles, available ones first."""
    market = await Market.get_or_none(id=market_id)
    if market is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="marketId")
    authorize(actor, Action.ADMINISTER, market)
    couriers = await User.filter(role=Role.COURIER, market_id=market_id, is_active=True).order_by("name", "id")
    profiles = {p.user_id: p for p in await CourierProfile.filter(user_id__in=[c.id for c in couriers] or [0])}
    pairs = [(c, profiles.get(c.id) or CourierProfile(user_id=c.id)) for c in couriers]
    return sorted(pairs, key=lambda pair: not pair[1].available)

"""Settlements: a courier's day of deliveries (WIB) and the cash on delivery expected, collected and remitted,
with what the courier holds for the market over all days (the ledger's balance)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.delivery import DeliveryAssignment
from src.services import markets as markets_service
from src.services import payments
from src.services.assignments.states import A
from src.services.common.dates import day_start
from src.services.common.errors import DomainError, ErrorCode, invalid
from src.services.delivery.couriers import require_courier
from src.services.permissions import Action, authorize, require_role

if TYPE_CHECKING:
    pass


@dataclass
class Settlement:
    courier: User
    day: date
    deliveries: list[DeliveryAssignment]
    cod_owed: int = 0  # cash on delivery the courier holds now, every day's: collected minus handed over

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
        """Every delivery's cash marked handed over, or the courier holds nothing (handed over by amount)."""
        owed = [d for d in self.deliveries if d.cod_collected]
        return self.cod_owed <= 0 or all(d.cash_remitted_at is not None for d in owed)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = day_start(day)
    return start, start + timedelta(days=1)


async def _settlements(couriers: list[User], day: date) -> list[Settlement]:
    start, end = _day_bounds(day)
    rows = await DeliveryAssignment.filter(
        courier_id__in=[c.id for c in couriers] or [0], delivered_at__gte=start, delivered_at__lt=end
    ).order_by("delivered_at", "id")
    owed = await payments.courier_balances([c.id for c in couriers])
    return [Settlement(c, day, [r for r in rows if r.courier_id == c.id], owed.get(c.id, 0)) for c in couriers]


async def _settled_courier(actor: User | None, courier_id: int | None) -> User:
    if actor is not None and actor.role == Role.COURIER:
        if courier_id is not None and courier_id != actor.id:
            raise DomainError(ErrorCode.PERMISSION_DENIED, field="courierId")
        return require_courier(actor)
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
    market = await markets_service.market_or_none(market_id)
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
    async with in_transaction():
        marked = await DeliveryAssignment.select_for_update().filter(
            courier_id=courier.id,
            delivered_at__gte=start,
            delivered_at__lt=end,
            cod_collected__gt=0,
            cash_remitted_at__isnull=True,
        )
        if marked:
            await DeliveryAssignment.filter(id__in=[d.id for d in marked]).update(
                cash_remitted_at=now(), cash_remitted_by_id=actor.id if actor else None
            )
            # The cash leaves the courier's balance in the ledger too (once: these deliveries are marked now).
            await payments.record_day_remitted(
                actor=actor, courier=courier, amount=sum(d.cod_collected or 0 for d in marked),
                first_assignment_id=min(d.id for d in marked), day=day,
            )  # fmt: skip
    return (await _settlements([courier], day))[0]

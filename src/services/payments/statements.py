"""A trader's statement: their stall's ledger lines over a period of WIB days, with the balance before it
(opening), totals per kind and the balance at its end (closing = opening + the lines)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tortoise.functions import Sum

from src.models.accounts import Role, User
from src.models.payments import LedgerEntry, LedgerKind
from src.services import markets as markets_service
from src.services.common.dates import bounds, check_period
from src.services.common.errors import DomainError, ErrorCode, invalid
from src.services.payments.ledger import TRADER_KINDS
from src.services.permissions import Action, authorize

if TYPE_CHECKING:
    from src.models.markets import Stall

UTC = ZoneInfo("UTC")


@dataclass
class Statement:
    stall: Stall
    date_from: date
    date_to: date
    opening: int
    lines: list[LedgerEntry] = field(default_factory=list)

    @property
    def balance(self) -> int:
        return self.opening + sum(line.amount for line in self.lines)

    @property
    def totals(self) -> dict[LedgerKind, int]:
        """Each kind of a trader's line (all of them, zero when none), summed over the period."""
        sums = dict.fromkeys(TRADER_KINDS, 0)
        for line in self.lines:
            sums[line.kind] = sums.get(line.kind, 0) + line.amount
        return sums


async def _stall_for(actor: User | None, stall_id: int | None) -> Stall:
    """A trader's own stall (another one named is refused); for an admin the stall named, of their market (the
    trade office: any)."""
    if actor is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    if actor.role == Role.TRADER:
        own = await markets_service.stall_or_none(trader_id=actor.id)
        if own is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="stallId")
        if stall_id is not None and stall_id != own.id:
            raise DomainError(ErrorCode.PERMISSION_DENIED, field="stallId")
        return own
    if actor.role != Role.MARKET_ADMIN:
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    if stall_id is None:
        raise invalid("stallId", "STALL_REQUIRED")
    stall = await markets_service.stall_or_none(stall_id=stall_id)
    if stall is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="stallId")
    authorize(actor, Action.ADMINISTER, stall)
    return stall


async def trader_statement(*, actor: User | None, stall_id: int | None, date_from: date, date_to: date) -> Statement:
    """A trader: their own stall's statement; a market admin: a stall of their market (the trade office: any)."""
    check_period(date_from, date_to)
    stall = await _stall_for(actor, stall_id)
    start, end = bounds(date_from, date_to)  # UTC instants, as the database keeps moments
    before = await (
        LedgerEntry.filter(stall_id=stall.id, created_at__lt=start).annotate(total=Sum("amount")).values("total")
    )
    lines = await LedgerEntry.filter(stall_id=stall.id, created_at__gte=start, created_at__lt=end).order_by(
        "created_at", "id"
    )
    opening = int(before[0]["total"] or 0) if before else 0
    return Statement(stall=stall, date_from=date_from, date_to=date_to, opening=opening, lines=lines)

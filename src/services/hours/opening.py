"""Setting opening hours (a trader their stall's, an admin their market's), applying them to stalls as the clock
moves (the worker's cron job and every change of hours), and refusing what a closed stall cannot take."""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.markets import Market, Stall, StallStatus
from src.services.common.errors import DomainError, ErrorCode
from src.services.hours.rules import ScheduleInput, checked_schedule
from src.services.hours.schedule import Schedule, schedule_of
from src.services.notification_texts import DAYS, MONTHS, WIB
from src.services.permissions import Action, authorize, require_role


@dataclass(frozen=True)
class Applied:
    opened: int
    closed: int


async def apply_hours(*, at: datetime, market_id: int | None = None, stall_id: int | None = None) -> Applied:
    """Open and close approved stalls by their hours at a moment: a stall changes only when what its hours say
    differs from what they last said (a boundary passed), so one closed by hand stays closed until its next
    opening. One query to read, at most three to write, however many stalls."""
    query = Stall.filter(status=StallStatus.APPROVED)
    if market_id is not None:
        query = query.filter(market_id=market_id)
    if stall_id is not None:
        query = query.filter(id=stall_id)
    rows = await query.values("id", "scheduled_open", "opening_schedule", "market__opening_schedule")
    changes: dict[bool | None, list[int]] = {True: [], False: [], None: []}
    for row in rows:
        schedule = schedule_of(row["opening_schedule"], row["market__opening_schedule"])
        want = schedule.is_open_at(at) if schedule is not None else None
        if row["scheduled_open"] is not want:
            changes[want].append(row["id"])
    for want, ids in changes.items():
        if not ids:
            continue
        # Approved still: a stall suspended meanwhile is not opened again.
        target = Stall.filter(id__in=ids, status=StallStatus.APPROVED)
        if want is None:  # its hours were taken away: open and closed by hand from now on
            await target.update(scheduled_open=None)
        else:
            await target.update(is_open=want, scheduled_open=want)
    return Applied(opened=len(changes[True]), closed=len(changes[False]))


async def set_stall_hours(*, actor: User | None, given: ScheduleInput) -> Stall:
    """The trader's own stall's hours (none: it follows its market's), applied at once."""
    trader = require_role(actor, Role.TRADER)
    stall = await Stall.get_or_none(trader_id=trader.id)
    if stall is None:
        raise DomainError(ErrorCode.NOT_FOUND, message_key="NO_STALL")
    authorize(trader, Action.MANAGE, stall)
    kept = checked_schedule(given, stall.opening_schedule)
    async with in_transaction():
        await Stall.filter(id=stall.id).update(opening_schedule=kept, scheduled_open=None)
        await apply_hours(at=now(), stall_id=stall.id)
    return await Stall.get(id=stall.id)


async def set_market_hours(*, actor: User | None, market_id: int, given: ScheduleInput) -> Market:
    """A market's hours, which its stalls without their own follow; applied at once to every stall of the market."""
    market = await Market.get_or_none(id=market_id, is_active=True)
    if market is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="marketId")
    authorize(actor, Action.ADMINISTER, market)
    kept = checked_schedule(given, market.opening_schedule)
    async with in_transaction():
        await Market.filter(id=market.id).update(opening_schedule=kept)
        await Stall.filter(market_id=market.id).update(scheduled_open=None)
        await apply_hours(at=now(), market_id=market.id)
    return await Market.get(id=market.id)


def stall_schedule(stall: Stall, market: Market) -> Schedule | None:
    return schedule_of(stall.opening_schedule, market.opening_schedule)


def next_opening_for(
    *, approved: bool, is_open: bool, stall_raw: Any, market_raw: Any, at: datetime
) -> datetime | None:
    """What a buyer reads as a stall's next opening: for an approved stall closed now, when its hours open it
    next (in WIB); None while it is open, before it is approved, and without hours."""
    if not approved or is_open:
        return None
    schedule = schedule_of(stall_raw, market_raw)
    return schedule.next_opening(at) if schedule is not None else None


@dataclass(frozen=True)
class OpeningTime:
    """A moment as a message parameter: Senin, 7 Desember 2026 pukul 05.00 WIB."""

    moment: datetime

    def localize(self, language: str) -> str:
        local = self.moment.astimezone(WIB)
        lang = "en" if language == "en" else "id"
        day = f"{DAYS[lang][local.weekday()]}, {local.day} {MONTHS[lang][local.month - 1]} {local.year}"
        if lang == "en":
            return f"{day} at {local.strftime('%H:%M')} WIB"
        return f"{day} pukul {local.strftime('%H.%M')} WIB"


@dataclass(frozen=True)
class DayText:
    day: date

    def localize(self, language: str) -> str:
        lang = "en" if language == "en" else "id"
        return f"{DAYS[lang][self.day.weekday()]}, {self.day.day} {MONTHS[lang][self.day.month - 1]} {self.day.year}"


def closed_for(stall: Stall, market: Market, *, slot_date: date | None, at: datetime) -> DomainError | None:
    """Why a stall cannot take an order now (for a delivery on `slot_date`): STALL_CLOSED naming its next
    opening in WIB, or None when it can. Closed now (by its hours or by hand), or not open on the slot's day
    (a closed weekday, a closed date, a public holiday it does not open on)."""
    schedule = stall_schedule(stall, market)
    params: dict[str, Any] = {"stall": stall.name}
    if not stall.is_open:
        opens = schedule.next_opening(at) if schedule is not None else None
        if opens is None:
            return DomainError(ErrorCode.STALL_CLOSED, message_key="STALL_CLOSED_NO_HOURS", **params)
        return DomainError(ErrorCode.STALL_CLOSED, opens=OpeningTime(opens), **params)
    if schedule is not None and slot_date is not None and not schedule.opens_on(slot_date):
        opens = schedule.next_opening(datetime.combine(slot_date, time(0), tzinfo=WIB))
        if opens is None:
            return DomainError(ErrorCode.STALL_CLOSED, message_key="STALL_CLOSED_NO_HOURS", **params)
        return DomainError(
            ErrorCode.STALL_CLOSED, message_key="STALL_CLOSED_ON", day=DayText(slot_date), opens=OpeningTime(opens),
            **params,
        )  # fmt: skip
    return None

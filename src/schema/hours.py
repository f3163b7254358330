"""Opening hours as GraphQL reads them: the Weekday enum, OpeningHours, and what a stall or market shows of its
hours, computed from the raw schedules (so the catalog's rows and the fast path give the same answers)."""

from datetime import date, datetime
from typing import Any

import strawberry
from tortoise.timezone import now

from src.models.markets import StallStatus
from src.services import hours
from src.services.common import dates

WeekdayEnum = strawberry.enum(hours.Weekday, name="Weekday", description="A day of the week, MON to SUN.")


@strawberry.type(name="OpeningHours", description="When a stall or market opens on a day of the week (WIB).")
class OpeningHoursType:
    day: hours.Weekday
    opens: str = strawberry.field(description="HH:MM in WIB, e.g. 05:00.")
    closes: str = strawberry.field(description="HH:MM in WIB, after `opens`.")


def weekly_hours(raw: Any) -> list[OpeningHoursType]:
    """The weekly hours a schedule column keeps (empty without any)."""
    return [
        OpeningHoursType(day=p.day, opens=p.opens.strftime("%H:%M"), closes=p.closes.strftime("%H:%M"))
        for p in hours.weekly_of(raw) or []
    ]


def stall_hours(stall_raw: Any, market_raw: Any) -> list[OpeningHoursType]:
    """A stall's weekly hours: its own, or its market's when it has none."""
    return weekly_hours(stall_raw) or weekly_hours(market_raw)


def upcoming(raw: Any, key: str, market_raw: Any = None) -> list[date]:
    """Dates from today on kept under `closed` or `open` (a stall's together with its market's)."""
    today = dates.today()
    return sorted({d for r in (raw, market_raw) for d in hours.dates_of(r, key) if d >= today})


def open_now(status: Any, is_open: bool) -> bool:
    return bool(is_open) and str(getattr(status, "value", status)) == StallStatus.APPROVED.value


def next_opening(status: Any, is_open: bool, stall_raw: Any, market_raw: Any) -> datetime | None:
    return hours.next_opening_for(
        approved=str(getattr(status, "value", status)) == StallStatus.APPROVED.value,
        is_open=bool(is_open),
        stall_raw=stall_raw,
        market_raw=market_raw,
        at=now(),
    )

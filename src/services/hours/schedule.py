"""A stall's opening hours as one schedule, in WIB: its own weekly hours (or its market's), the dates it is
closed, Indonesian public holidays (closed unless it opens that date), and the moments it opens.

Pure functions over what `Market.opening_schedule` and `Stall.opening_schedule` keep:
`{"hours": [{"day": "MON", "opens": "05:00", "closes": "11:00"}, …], "closed": ["2026-12-31"], "open": [dates]}`.
"""

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any

import orjson

from src.services.notification_texts import WIB

# How far ahead a next opening is looked for: a stall closed for longer has none.
LOOKAHEAD_DAYS = 400


class Weekday(Enum):
    MON = "MON"
    TUE = "TUE"
    WED = "WED"
    THU = "THU"
    FRI = "FRI"
    SAT = "SAT"
    SUN = "SUN"


DAYS = list(Weekday)


@dataclass(frozen=True)
class Period:
    day: Weekday
    opens: time
    closes: time

    def text(self) -> dict[str, str]:
        return {"day": self.day.value, "opens": self.opens.strftime("%H:%M"), "closes": self.closes.strftime("%H:%M")}


@dataclass(frozen=True)
class Schedule:
    """When a stall is open: `weekly` by weekday (Monday 0), closed on `closed`, open on the holidays in `open`."""

    weekly: dict[int, Period]
    closed: frozenset[date]
    open: frozenset[date]

    @property
    def periods(self) -> list[Period]:
        return [self.weekly[d] for d in sorted(self.weekly)]

    def opens_on(self, day: date) -> bool:
        """Whether the stall opens at all on a day (its weekday has hours, not closed, not a holiday it keeps)."""
        if day.weekday() not in self.weekly or day in self.closed:
            return False
        return day in self.open or public_holiday(day) is None

    def is_open_at(self, moment: datetime) -> bool:
        local = moment.astimezone(WIB)
        day = local.date()
        if not self.opens_on(day):
            return False
        period = self.weekly[day.weekday()]
        return period.opens <= local.time() < period.closes

    def next_opening(self, after: datetime) -> datetime | None:
        """The first opening strictly after a moment (in WIB), or None within LOOKAHEAD_DAYS."""
        first = after.astimezone(WIB).date()
        for offset in range(LOOKAHEAD_DAYS):
            day = first + timedelta(days=offset)
            if self.opens_on(day):
                start = datetime.combine(day, self.weekly[day.weekday()].opens, tzinfo=WIB)
                if start > after:
                    return start
        return None


@functools.cache
def _calendar() -> Any:
    import holidays  # imported when first needed: it takes a second

    return holidays.country_holidays("ID", language="id")


def public_holiday(day: date) -> str | None:
    """The name of the Indonesian public holiday on a day (in Indonesian), or None."""
    name = _calendar().get(day)
    return str(name) if name else None


def _load(raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, str | bytes):  # JSON text from a raw query (SQLite, or PostgreSQL without a codec)
        raw = orjson.loads(raw)
    return raw if isinstance(raw, dict) else None


def _dates(raw: dict[str, Any] | None, key: str) -> set[date]:
    return {date.fromisoformat(d) for d in (raw or {}).get(key) or []}


def weekly_of(raw: Any) -> list[Period] | None:
    """The weekly hours kept in a schedule column, or None when it keeps none."""
    loaded = _load(raw)
    hours = loaded.get("hours") if loaded else None
    if not hours:
        return None
    return [Period(Weekday(h["day"]), time.fromisoformat(h["opens"]), time.fromisoformat(h["closes"])) for h in hours]


def dates_of(raw: Any, key: str) -> list[date]:
    """The dates kept under `closed` or `open`, in order."""
    return sorted(_dates(_load(raw), key))


def schedule_of(stall_raw: Any, market_raw: Any) -> Schedule | None:
    """A stall's schedule: its own weekly hours or else its market's, closed on the dates either closes, open on
    the holidays either opens; None when neither has weekly hours (the stall opens and closes by hand)."""
    stall, market = _load(stall_raw), _load(market_raw)
    periods = weekly_of(stall) or weekly_of(market)
    if periods is None:
        return None
    return Schedule(
        weekly={DAYS.index(p.day): p for p in periods},
        closed=frozenset(_dates(stall, "closed") | _dates(market, "closed")),
        open=frozenset(_dates(stall, "open") | _dates(market, "open")),
    )


def follows_market(stall_raw: Any) -> bool:
    return weekly_of(stall_raw) is None

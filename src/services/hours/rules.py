"""What a trader or a market admin may set as opening hours: every field checked, every mistake named."""

import re
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from src.services.common import dates
from src.services.common.errors import ErrorCollector, invalid
from src.services.hours.schedule import Weekday, public_holiday

MAX_DATES = 100
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


@dataclass(frozen=True)
class HoursInput:
    day: Weekday
    opens: str
    closes: str


@dataclass(frozen=True)
class ScheduleInput:
    """Weekly hours (empty: none of its own), and the closed dates and holidays open; None keeps those as they are."""

    hours: list[HoursInput]
    closed_dates: list[date] | None = None
    open_dates: list[date] | None = None


def _time(text: str, field: str, errors: ErrorCollector) -> time | None:
    if not _TIME.fullmatch(text.strip()):
        errors.add(invalid(field, "TIME_FORMAT"))
        return None
    return time.fromisoformat(text.strip())


def _check_hours(hours: list[HoursInput], errors: ErrorCollector) -> list[dict[str, str]]:
    if len(hours) > len(Weekday):  # one entry a day at most: a longer list is refused before its entries are read
        errors.add(invalid("hours", "TOO_MANY_DAYS", max=len(Weekday)))
        return []
    seen: set[Weekday] = set()
    kept = []
    for n, entry in enumerate(hours):
        where = f"hours.{n}"
        if entry.day in seen:
            errors.add(invalid(f"{where}.day", "DUPLICATE_DAY"))
        seen.add(entry.day)
        opens = _time(entry.opens, f"{where}.opens", errors)
        closes = _time(entry.closes, f"{where}.closes", errors)
        if opens is not None and closes is not None and not opens < closes:
            errors.add(invalid(f"{where}.closes", "CLOSES_BEFORE_OPENS"))
        if opens is not None and closes is not None:
            kept.append({"day": entry.day.value, "opens": entry.opens.strip(), "closes": entry.closes.strip()})
    order = list(Weekday)
    return sorted(kept, key=lambda h: order.index(Weekday(h["day"])))


def _check_dates(days: list[date], key: str, errors: ErrorCollector, *, holidays_only: bool) -> list[str]:
    if len(days) > MAX_DATES:
        errors.add(invalid(key, "TOO_MANY_DATES", max=MAX_DATES))
        return []
    today, seen = dates.today(), set()
    for n, day in enumerate(days):
        field = f"{key}.{n}"
        if errors.run(lambda: dates.check_date(day, field=field)) is None:  # noqa: B023 (run at once)
            continue
        if day < today:
            errors.add(invalid(field, "DATE_IN_PAST"))
        elif day in seen:
            errors.add(invalid(field, "DUPLICATE_DATE"))
        elif holidays_only and public_holiday(day) is None:
            errors.add(invalid(field, "NOT_A_HOLIDAY", day=dates.date_text(day)))
        seen.add(day)
    return sorted(d.isoformat() for d in seen)


def _upcoming(raw: dict[str, Any] | None, key: str) -> list[str]:
    """Dates kept before, without the past ones."""
    today = dates.today().isoformat()
    return sorted(d for d in (raw or {}).get(key) or [] if d >= today)


def checked_schedule(given: ScheduleInput, before: dict[str, Any] | None) -> dict[str, Any]:
    """The schedule to keep, or DomainErrors naming every bad field (`hours.2.opens`, `closedDates.0`)."""
    errors = ErrorCollector()
    hours = _check_hours(given.hours, errors)
    closed = (
        _check_dates(given.closed_dates, "closedDates", errors, holidays_only=False)
        if given.closed_dates is not None
        else _upcoming(before, "closed")
    )
    opened = (
        _check_dates(given.open_dates, "openDates", errors, holidays_only=True)
        if given.open_dates is not None
        else _upcoming(before, "open")
    )
    if given.open_dates is not None:
        for n, day in enumerate(given.open_dates):
            if day.isoformat() in closed:
                errors.add(invalid(f"openDates.{n}", "OPEN_AND_CLOSED"))
    errors.raise_if_any()
    return {"hours": hours, "closed": closed, "open": opened}

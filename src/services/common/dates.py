"""The markets' days and dates: WIB, today, a moment's day, a day's or a period's bounds, dates as people
write them; and dates from clients: one bound for every date input of the API, from the service's first
day to a year ahead, and periods (from, to) of at most MAX_DAYS. Every domain takes its days from here."""

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from tortoise.timezone import now

from src.services.common.errors import ErrorCollector, invalid

WIB = ZoneInfo("Asia/Jakarta")  # Kota Malang's time, the markets' day

# Nothing happened here before 2020 (the markets went online that year); far-off years are where date
# arithmetic overflows (0001-01-01 in WIB is a day before date.min in UTC) or SQL chokes.
EARLIEST = date(2020, 1, 1)
MAX_DAYS = 366


def today() -> date:
    """Today in WIB, the markets' day."""
    return now().astimezone(WIB).date()


def local_day(moment: datetime) -> date:
    """The WIB day of a moment."""
    return moment.astimezone(WIB).date()


def day_start(day: date, zone: tzinfo = WIB) -> datetime:
    """A day's first moment in its zone (WIB unless a market says otherwise)."""
    return datetime.combine(day, time(0), tzinfo=zone)


def bounds(date_from: date, date_to: date, zone: tzinfo = WIB) -> tuple[datetime, datetime]:
    """A period's first and past-the-last moments, as UTC instants."""
    return day_start(date_from, zone).astimezone(UTC), day_start(date_to + timedelta(days=1), zone).astimezone(UTC)


def time_text(moment: datetime) -> str:
    """A moment as Indonesians write it, in WIB: 28-11-2026 07.30."""
    return moment.astimezone(WIB).strftime("%d-%m-%Y %H.%M")


def latest() -> date:
    """The last date a client may send: a year from today (28 February when today is 29 February)."""
    day = today()
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def date_text(day: date) -> str:
    """A date as Indonesians write it, dd-mm-yyyy (and as it reads in English messages too)."""
    return day.strftime("%d-%m-%Y")


def check_date(value: date, *, field: str) -> date:
    """The date, when it lies between EARLIEST and a year from today; else INVALID_INPUT naming the range."""
    last = latest()
    if not EARLIEST <= value <= last:
        raise invalid(field, "DATE_OUT_OF_RANGE", first=date_text(EARLIEST), last=date_text(last))
    return value


def check_period(date_from: date, date_to: date, *, max_days: int = MAX_DAYS) -> None:
    """Both dates within the service's range (`from`, `to`), in order, and at most `max_days` apart."""
    # Both ends at once, so a form shows every wrong date; far-off years would overflow the period's bounds.
    errors = ErrorCollector()
    errors.run(lambda: check_date(date_from, field="from"))
    errors.run(lambda: check_date(date_to, field="to"))
    errors.raise_if_any()
    if date_to < date_from:
        raise invalid("to", "PERIOD_ORDER")
    if (date_to - date_from).days + 1 > max_days:
        raise invalid("to", "PERIOD_TOO_LONG", days=max_days)

"""Opening hours that run themselves: weekly hours per stall (or its market's), closed dates and Indonesian
public holidays, in WIB; the worker opens and closes stalls by them (`apply_hours`).

`schedule` holds the pure rules (when is a stall open, when does it next open), `rules` what may be set,
`opening` setting, applying and refusing orders of a closed stall.
"""

from src.services.hours.opening import (
    Applied,
    OpeningTime,
    apply_hours,
    closed_for,
    next_opening_for,
    set_market_hours,
    set_stall_hours,
    stall_schedule,
)
from src.services.hours.rules import HoursInput, ScheduleInput
from src.services.hours.schedule import (
    Period,
    Schedule,
    Weekday,
    dates_of,
    follows_market,
    public_holiday,
    schedule_of,
    weekly_of,
)

__all__ = [
    "Applied",
    "HoursInput",
    "OpeningTime",
    "Period",
    "Schedule",
    "ScheduleInput",
    "Weekday",
    "apply_hours",
    "closed_for",
    "dates_of",
    "follows_market",
    "next_opening_for",
    "public_holiday",
    "schedule_of",
    "set_market_hours",
    "set_stall_hours",
    "stall_schedule",
    "weekly_of",
]

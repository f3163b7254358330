"""A market day's own rhythm: the admin's queue of stall applications, and opening hours that run themselves
(a trader's for their stall, an admin's for their market)."""

from datetime import date

import strawberry
from strawberry import relay

from src.models.markets import StallStatus
from src.schema.context import Info
from src.schema.errors import payload_mutation, query_errors
from src.schema.hours import WeekdayEnum  # noqa: F401  # registers Weekday as a GraphQL enum
from src.schema.ids import decode_id
from src.schema.markets import MarketPayload, MarketType, StallPayload, StallType
from src.schema.pagination import after_id, id_page, limit_or_error
from src.schema.permissions import current_user
from src.services import hours
from src.services import markets as markets_service


@strawberry.input
class OpeningHoursInput:
    day: hours.Weekday
    opens: str = strawberry.field(description="HH:MM in WIB, e.g. 05:00.")
    closes: str = strawberry.field(description="HH:MM in WIB, after `opens`.")


_HOURS = "Weekly hours, one entry per day open; days left out are closed."
_CLOSED = "Dates closed (today or later); left out, the dates set before stay."
_OPEN = "Public holidays to open on by the weekly hours (closed otherwise); left out, those set before stay."


@strawberry.input
class SetStallHoursInput:
    hours: list[OpeningHoursInput] = strawberry.field(description=_HOURS + " Empty: follow the market's hours.")
    closed_dates: list[date] | None = strawberry.field(default=None, description=_CLOSED)
    open_dates: list[date] | None = strawberry.field(default=None, description=_OPEN)


@strawberry.input
class SetMarketHoursInput:
    market_id: relay.GlobalID
    hours: list[OpeningHoursInput] = strawberry.field(description=_HOURS)
    closed_dates: list[date] | None = strawberry.field(default=None, description=_CLOSED)
    open_dates: list[date] | None = strawberry.field(default=None, description=_OPEN)


def _schedule(input: SetStallHoursInput | SetMarketHoursInput) -> hours.ScheduleInput:
    return hours.ScheduleInput(
        hours=[hours.HoursInput(day=h.day, opens=h.opens, closes=h.closes) for h in input.hours],
        closed_dates=input.closed_dates,
        open_dates=input.open_dates,
    )


@strawberry.type
class MarketDayQuery:
    @strawberry.field(
        description="Market admin: stalls of their market in a status, oldest first (PENDING: applications to "
        "review); the trade office any market's, or every market's without marketId."
    )
    async def stall_applications(
        self,
        info: Info,
        market_id: relay.GlobalID | None = None,
        status: StallStatus = StallStatus.PENDING,
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[StallType]:
        limit = limit_or_error(info, first)
        cursor = after_id(info, after, "Stall")
        with query_errors(info):
            rows = await markets_service.stall_applications(
                actor=await info.context.get_user(),
                market_id=decode_id(market_id, "Market", field="marketId") if market_id is not None else None,
                status=status,
                after_id=cursor,
                limit=limit + 1,
            )
        return id_page(rows, limit, StallType.from_model, "Stall", had_cursor=after is not None)


@strawberry.type
class MarketDayMutation:
    @payload_mutation(description="Trader: their stall's weekly hours, closed dates and holidays open, in WIB.")
    async def set_stall_hours(self, info: Info, input: SetStallHoursInput) -> StallPayload:
        stall = await hours.set_stall_hours(actor=await current_user(info), given=_schedule(input))
        return StallPayload(stall=StallType.from_model(stall))

    @payload_mutation(description="Market admin: the market's weekly hours, which stalls without their own follow.")
    async def set_market_hours(self, info: Info, input: SetMarketHoursInput) -> MarketPayload:
        market = await hours.set_market_hours(
            actor=await current_user(info),
            market_id=decode_id(input.market_id, "Market", field="marketId"),
            given=_schedule(input),
        )
        return MarketPayload(market=MarketType.from_model(market))

"""A report's period: who may ask for which market and the SQL of its orders per dialect (its dates are checked
by `common.dates.check_period`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tortoise.connection import get_connection

from src.models.accounts import User
from src.models.orders import OrderStatus, StallOrderStatus
from src.services import markets as markets_service
from src.services.common.dates import WIB, bounds
from src.services.common.errors import DomainError, ErrorCode
from src.services.common.sql import Sql
from src.services.permissions import Action, authorize, is_trade_office

if TYPE_CHECKING:
    from src.models.markets import Market

NOT_PLACED = (OrderStatus.AWAITING_PAYMENT.value,)
LIVE_PARTS = (StallOrderStatus.PENDING.value, StallOrderStatus.ACCEPTED.value, StallOrderStatus.READY.value)


async def authorized_market(actor: User | None, market_id: int | None) -> Market | None:
    """The market a report is about, if this user may read it (None: the city, for the trade office only)."""
    if actor is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    if market_id is None:
        if not is_trade_office(actor):
            raise DomainError(ErrorCode.PERMISSION_DENIED)
        return None
    market = await markets_service.market_or_none(market_id)
    if market is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="marketId")
    authorize(actor, Action.ADMINISTER, market)
    return market


class PeriodQuery(Sql):
    """The period's orders of one market (or all), with the dialect's date and time arithmetic."""

    def __init__(self, dialect: str, market_id: int | None, start: datetime, end: datetime, zone: ZoneInfo) -> None:
        super().__init__(dialect)
        self.market_id, self.start, self.end, self.zone = market_id, start, end, zone

    def moment(self, value: datetime) -> str:
        if self.postgres:
            return self.param(value)
        return self.param(value.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M:%S"))

    def instant(self, column: str) -> str:
        # SQLite keeps datetimes as ISO text with their offset: datetime() brings them to UTC text.
        return column if self.postgres else f"datetime({column})"

    def orders_in_period(self, alias: str = "o") -> str:
        created = self.instant(f"{alias}.created_at")
        where = [f"{created} >= {self.moment(self.start)}", f"{created} < {self.moment(self.end)}"]
        if self.market_id is not None:
            where.append(f"{alias}.market_id = {self.param(self.market_id)}")
        return " AND ".join(where)

    def local_day(self, column: str) -> str:
        if self.postgres:
            return f"CAST(({column} AT TIME ZONE {self.param(self.zone.key)}) AS DATE)"
        offset = datetime(2000, 1, 1, tzinfo=self.zone).utcoffset() or timedelta(0)  # no DST in Indonesia
        return f"date({column}, '{int(offset.total_seconds()) // 60:+d} minutes')"

    def minutes_between(self, earlier: str, later: str) -> str:
        if self.postgres:
            return f"EXTRACT(EPOCH FROM ({later} - {earlier})) / 60.0"
        return f"(julianday({later}) - julianday({earlier})) * 1440.0"

    def any_of(self, values: tuple[str, ...]) -> str:
        """Placeholders for a list, made where they stand: SQLite's `?` are numbered by position."""
        return ", ".join(self.param(v) for v in values)

    def placed(self, alias: str = "o") -> str:
        return f"{alias}.status NOT IN ({self.any_of(NOT_PLACED)})"

    def counted(self, alias: str = "o") -> str:
        return f"{self.placed(alias)} AND {alias}.status <> {self.param(OrderStatus.CANCELLED.value)}"


def query(market: Market | None, date_from: date, date_to: date) -> tuple[Any, PeriodQuery]:
    """The connection and a query builder for the period's orders of a market (or the city)."""
    connection = get_connection("default")
    zone = ZoneInfo(market.timezone) if market is not None else WIB
    start, end = bounds(date_from, date_to, zone)
    return connection, PeriodQuery(connection.capabilities.dialect, market.id if market else None, start, end, zone)

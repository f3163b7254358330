"""Market reports: how a market (or the whole city) is doing over a period, computed in SQL.

Definitions (all by the day the order was placed, in the market's time zone, WIB):
- orders: orders placed in the period and not cancelled (unpaid transfer/QRIS orders are not placed yet);
- GMV: their goods value (subtotal: after rejections and weighing, without delivery fees);
- active stalls: stalls with a part (not rejected or cancelled) in one of those orders;
- new stalls: stalls that applied in the period and are approved;
- average fulfilment: minutes from placing to delivery, over the delivered ones;
- top products: by revenue and by quantity (the weighed quantity where weighed), parts not rejected;
- COD collected: cash the couriers collected for those orders;
- cancellations: orders placed in the period and cancelled, by reason.
"""

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.connection import get_connection
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import User
from src.models.markets import Market, StallStatus
from src.models.orders import OrderStatus, StallOrderStatus
from src.models.outbox import OutboxEvent
from src.models.reports import ExportStatus, ReportExport
from src.services import dates, outbox
from src.services.errors import DomainError, ErrorCode, ErrorCollector, invalid
from src.services.permissions import Action, authorize, is_trade_office
from src.services.spreadsheet import CsvDocument
from src.services.sql import Sql
from src.storage import Storage

WIB = ZoneInfo("Asia/Jakarta")
MAX_DAYS = 366
TOP = 10
NOT_PLACED = (OrderStatus.AWAITING_PAYMENT.value,)
LIVE_PARTS = (StallOrderStatus.PENDING.value, StallOrderStatus.ACCEPTED.value, StallOrderStatus.READY.value)


@dataclass
class Day:
    day: date
    orders: int = 0
    gmv: int = 0


@dataclass
class TopProduct:
    product_id: int | None
    name: str
    unit: str
    quantity: Decimal
    revenue: int


@dataclass
class MarketLine:
    market_id: int
    orders: int
    gmv: int


@dataclass
class Report:
    market: Market | None  # None: the whole city
    date_from: date
    date_to: date
    orders: int = 0
    gmv: int = 0
    delivery_fees: int = 0
    delivered: int = 0
    active_stalls: int = 0
    new_stalls: int = 0
    average_fulfilment_minutes: float | None = None
    cod_collected: int = 0
    cancellations: dict[str, int] = field(default_factory=dict)
    top_by_revenue: list[TopProduct] = field(default_factory=list)
    top_by_quantity: list[TopProduct] = field(default_factory=list)
    daily: list[Day] = field(default_factory=list)
    by_market: list[MarketLine] = field(default_factory=list)

    @property
    def cancelled(self) -> int:
        return sum(self.cancellations.values())


async def _authorized_market(actor: User | None, market_id: int | None) -> Market | None:
    if actor is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    if market_id is None:
        if not is_trade_office(actor):
            raise DomainError(ErrorCode.PERMISSION_DENIED)
        return None
    market = await Market.get_or_none(id=market_id)
    if market is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="marketId")
    authorize(actor, Action.ADMINISTER, market)
    return market


def check_period(date_from: date, date_to: date) -> None:
    # Both ends at once, so a form shows every wrong date; far-off years would overflow the period's bounds.
    errors = ErrorCollector()
    errors.run(lambda: dates.check_date(date_from, field="from"))
    errors.run(lambda: dates.check_date(date_to, field="to"))
    errors.raise_if_any()
    if date_to < date_from:
        raise invalid("to", "PERIOD_ORDER")
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise invalid("to", "PERIOD_TOO_LONG", days=MAX_DAYS)


def bounds(date_from: date, date_to: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The period's first and past-the-last moments, as UTC instants."""
    start = datetime.combine(date_from, time(0), tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


class _Query(Sql):
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


def _query(market: Market | None, date_from: date, date_to: date) -> tuple[Any, _Query]:
    connection = get_connection("default")
    zone = ZoneInfo(market.timezone) if market is not None else WIB
    start, end = bounds(date_from, date_to, zone)
    return connection, _Query(connection.capabilities.dialect, market.id if market else None, start, end, zone)


async def market_report(*, actor: User | None, market_id: int | None, date_from: date, date_to: date) -> Report:
    """A market's report for a period (a market admin: theirs; the trade office: any, or the city with None)."""
    check_period(date_from, date_to)
    market = await _authorized_market(actor, market_id)
    report = Report(market=market, date_from=date_from, date_to=date_to)
    # Independent queries, each filling its own figures: on PostgreSQL they run at once on the pool's
    # connections (the report's time is its slowest query, not their sum); SQLite runs them in turn.
    parts = [_orders_by_day(report), _deliveries(report), _stalls(report), _top_products(report)]
    if market is None:
        parts.append(_by_market(report))
    await asyncio.gather(*parts)
    return report


async def _orders_by_day(report: Report) -> None:
    connection, q = _query(report.market, report.date_from, report.date_to)
    day = q.local_day("o.created_at")
    sql = f"""
        SELECT {day} AS day, o.status AS status, o.cancel_reason AS reason,
               COUNT(*) AS n, COALESCE(SUM(o.subtotal), 0) AS gmv, COALESCE(SUM(o.delivery_fee), 0) AS fees
        FROM orders o
        WHERE {q.orders_in_period()} AND {q.placed()}
        GROUP BY {day}, o.status, o.cancel_reason
    """
    span = (report.date_to - report.date_from).days + 1
    days = {d: Day(d) for d in (report.date_from + timedelta(days=n) for n in range(span))}
    for row in await connection.execute_query_dict(sql, q.params):
        n = int(row["n"])
        if row["status"] == OrderStatus.CANCELLED.value:
            reason = row["reason"] or "UNKNOWN"
            report.cancellations[reason] = report.cancellations.get(reason, 0) + n
            continue
        on = row["day"] if isinstance(row["day"], date) else date.fromisoformat(str(row["day"]))
        entry = days.get(on)
        if entry is not None:
            entry.orders += n
            entry.gmv += int(row["gmv"])
        report.orders += n
        report.gmv += int(row["gmv"])
        report.delivery_fees += int(row["fees"])
        if row["status"] == OrderStatus.DELIVERED.value:
            report.delivered += n
    report.daily = list(days.values())


async def _deliveries(report: Report) -> None:
    connection, q = _query(report.market, report.date_from, report.date_to)
    sql = f"""
        SELECT COUNT(*) AS n, AVG({q.minutes_between("o.created_at", "d.delivered_at")}) AS minutes,
               COALESCE(SUM(d.cod_collected), 0) AS cod
        FROM delivery_assignment d JOIN orders o ON o.id = d.order_id
        WHERE {q.orders_in_period()} AND d.status = {q.param("DELIVERED")} AND o.status = {q.param("DELIVERED")}
    """
    row = (await connection.execute_query_dict(sql, q.params))[0]
    report.average_fulfilment_minutes = round(float(row["minutes"]), 1) if row["minutes"] is not None else None
    report.cod_collected = int(row["cod"])


async def _stalls(report: Report) -> None:
    connection, q = _query(report.market, report.date_from, report.date_to)
    active = f"""
        SELECT COUNT(DISTINCT so.stall_id) AS n
        FROM stall_order so JOIN orders o ON o.id = so.order_id
        WHERE {q.orders_in_period()} AND {q.counted()} AND so.status IN ({q.any_of(LIVE_PARTS)})
    """
    report.active_stalls = int((await connection.execute_query_dict(active, q.params))[0]["n"])
    connection, q = _query(report.market, report.date_from, report.date_to)
    new = f"""
        SELECT COUNT(*) AS n FROM stall s
        WHERE {q.orders_in_period("s")} AND s.status = {q.param(StallStatus.APPROVED.value)}
    """
    report.new_stalls = int((await connection.execute_query_dict(new, q.params))[0]["n"])


async def _top_products(report: Report) -> None:
    connection, q = _query(report.market, report.date_from, report.date_to)
    quantity = q.number("COALESCE(i.fulfilled_quantity, i.quantity)")
    sql = f"""
        SELECT i.product_id AS product_id, MIN(i.product_name) AS name, MIN(i.unit) AS unit,
               SUM({quantity}) AS quantity, SUM(i.line_total) AS revenue
        FROM order_item i
        JOIN stall_order so ON so.id = i.stall_order_id
        JOIN orders o ON o.id = so.order_id
        WHERE {q.orders_in_period()} AND {q.counted()} AND so.status IN ({q.any_of(LIVE_PARTS)})
        GROUP BY i.product_id
    """
    rows = [
        TopProduct(
            product_id=r["product_id"],
            name=r["name"],
            unit=r["unit"],
            quantity=Decimal(str(r["quantity"])).quantize(Decimal("0.001")),
            revenue=int(r["revenue"]),
        )
        for r in await connection.execute_query_dict(sql, q.params)
    ]
    report.top_by_revenue = sorted(rows, key=lambda p: (-p.revenue, p.name))[:TOP]
    report.top_by_quantity = sorted(rows, key=lambda p: (-p.quantity, p.name))[:TOP]


async def _by_market(report: Report) -> None:
    connection, q = _query(None, report.date_from, report.date_to)
    sql = f"""
        SELECT o.market_id AS market_id, COUNT(*) AS n, COALESCE(SUM(o.subtotal), 0) AS gmv
        FROM orders o WHERE {q.orders_in_period()} AND {q.counted()}
        GROUP BY o.market_id ORDER BY gmv DESC, o.market_id
    """
    report.by_market = [
        MarketLine(market_id=int(r["market_id"]), orders=int(r["n"]), gmv=int(r["gmv"]))
        for r in await connection.execute_query_dict(sql, q.params)
    ]


# ---------------------------------------------------------------------------------------------- CSV export

EXPORT_JOB = "export_market_report"
CSV_PAGE = 5000
CSV_HEADERS = [
    "Nomor Pesanan", "Tanggal Pesan (WIB)", "Pasar", "Status Pesanan", "Metode Bayar", "Status Bayar",
    "Lapak", "Nomor Lapak", "Status Lapak", "Produk", "Satuan", "Jumlah Dipesan", "Jumlah Ditimbang",
    "Harga Satuan (Rp)", "Total Baris (Rp)", "Ongkir (Rp)", "Total Pesanan (Rp)", "Alasan Batal",
]  # fmt: skip


async def request_export(*, actor: User | None, market_id: int | None, date_from: date, date_to: date) -> ReportExport:
    """Queue an export (committed with its outbox event, so the job is never lost)."""
    check_period(date_from, date_to)
    market = await _authorized_market(actor, market_id)
    assert actor is not None
    async with in_transaction():
        export = await ReportExport.create(
            requested_by_id=actor.id, market_id=market.id if market else None, date_from=date_from, date_to=date_to
        )
        event = await OutboxEvent.create(topic="report.requested", payload={"export_id": export.id})
    outbox.note(event.id)
    return export


async def _line_rows(export: ReportExport, market: Market | None, after_id: int) -> list[dict[str, Any]]:
    connection, q = _query(market, export.date_from, export.date_to)
    day = q.local_day("o.created_at")
    sql = f"""
        SELECT i.id AS id, o.number AS number, o.created_at AS created_at, {day} AS day, m.name AS market,
               o.status AS status, o.payment_method AS payment_method, o.payment_status AS payment_status,
               s.name AS stall, s.stall_number AS stall_number, so.status AS part_status,
               i.product_name AS product, i.unit AS unit, i.quantity AS quantity,
               i.fulfilled_quantity AS fulfilled, i.unit_price AS unit_price, i.line_total AS line_total,
               o.delivery_fee AS fee, o.total AS total, o.cancel_reason AS cancel_reason
        FROM order_item i
        JOIN stall_order so ON so.id = i.stall_order_id
        JOIN stall s ON s.id = so.stall_id
        JOIN orders o ON o.id = so.order_id
        JOIN market m ON m.id = o.market_id
        WHERE {q.orders_in_period()} AND {q.placed()} AND i.id > {q.param(after_id)}
        ORDER BY i.id
        LIMIT {CSV_PAGE}
    """
    return list(await connection.execute_query_dict(sql, q.params))


def _local_time(value: Any, zone: ZoneInfo) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _plain(value: Any) -> Decimal | None:
    """A quantity as the number it is, without trailing zeros (2.100 → 2.1)."""
    if value is None:
        return None
    return Decimal(format(Decimal(str(value)).normalize(), "f"))


async def build_csv(export: ReportExport) -> tuple[bytes, int]:
    """Every order line of the period, one row each (names and reasons written as text, never formulas)."""
    market = await Market.get(id=export.market_id) if export.market_id else None
    zone = ZoneInfo(market.timezone) if market else WIB
    document = CsvDocument(CSV_HEADERS)
    after = 0
    while True:
        rows = await _line_rows(export, market, after)
        for r in rows:
            document.add([
                r["number"], _local_time(r["created_at"], zone), r["market"], r["status"], r["payment_method"],
                r["payment_status"], r["stall"], r["stall_number"], r["part_status"], r["product"], r["unit"],
                _plain(r["quantity"]), _plain(r["fulfilled"]), r["unit_price"], r["line_total"], r["fee"], r["total"],
                r["cancel_reason"],
            ])  # fmt: skip
        if len(rows) < CSV_PAGE:
            break
        after = int(rows[-1]["id"])
    return document.to_bytes(), document.rows


async def write_export(*, export_id: int, storage: Storage) -> ReportExport | None:
    """The export job: the CSV to storage (private), the export READY, its requester told. Idempotent."""
    export = await ReportExport.get_or_none(id=export_id)
    if export is None or export.status != ExportStatus.PENDING:
        return export
    data, count = await build_csv(export)
    scope = f"pasar-{export.market_id}" if export.market_id else "kota-malang"
    key = f"reports/{export.id}-{secrets.token_urlsafe(8)}/laporan-{scope}-{export.date_from}-{export.date_to}.csv"
    await storage.put(key, data, content_type="text/csv; charset=utf-8", cache_control="private, max-age=3600")
    async with in_transaction():
        updated = await ReportExport.filter(id=export.id, status=ExportStatus.PENDING).update(
            status=ExportStatus.READY, storage_key=key, row_count=count, finished_at=now()
        )
        if updated:
            event = await OutboxEvent.create(topic="report.ready", payload={"export_id": export.id})
            outbox.note(event.id)
    if not updated:  # another run finished first: this file is not needed
        await storage.delete(key)
    return await ReportExport.get(id=export.id)


async def fail_export(*, export_id: int, error: str) -> None:
    """FAILED with a reason (a message key, shown translated), unless it is final already."""
    await ReportExport.filter(id=export_id, status=ExportStatus.PENDING).update(
        status=ExportStatus.FAILED, error=error[:500], finished_at=now()
    )


async def fail_stale_exports(*, older_than: timedelta) -> int:
    """Exports PENDING for longer than every try of their job could take: their job is gone, say so."""
    return await ReportExport.filter(status=ExportStatus.PENDING, created_at__lt=now() - older_than).update(
        status=ExportStatus.FAILED, error="EXPORT_FAILED", finished_at=now()
    )


async def visible_export(actor: User | None, export_id: int) -> ReportExport | None:
    """An export for the admin who asked for it."""
    export = await ReportExport.get_or_none(id=export_id)
    if export is None or actor is None or export.requested_by_id != actor.id:
        return None
    return export


def download_url(export: ReportExport, storage: Storage) -> str | None:
    """A link valid for an hour, signed again each time it is asked for."""
    if export.status != ExportStatus.READY or not export.storage_key:
        return None
    return storage.private_url(export.storage_key, expires_in=3600)

"""CSV exports: requested with their outbox event, written by a job to private storage, fetched by signed link."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import User
from src.models.reports import ExportStatus, ReportExport
from src.services import markets as markets_service
from src.services.common import outbox
from src.services.common.dates import WIB, check_period
from src.services.common.i18n import plain
from src.services.common.spreadsheet import Cell, CsvDocument
from src.services.reports.periods import authorized_market, query
from src.storage import Storage

if TYPE_CHECKING:
    from src.models.markets import Market

CSV_PAGE = 5000
CSV_HEADERS = [
    "Nomor Pesanan", "Tanggal Pesan (WIB)", "Pasar", "Status Pesanan", "Metode Bayar", "Status Bayar",
    "Lapak", "Nomor Lapak", "Status Lapak", "Produk", "Satuan", "Jumlah Dipesan", "Jumlah Ditimbang",
    "Harga Satuan (Rp)", "Total Baris (Rp)", "Ongkir (Rp)", "Total Pesanan (Rp)", "Alasan Batal",
    "Jenis Baris", "Tanggal Transaksi (WIB)", "Jumlah Transaksi (Rp)", "Status Transaksi", "Alasan", "Referensi",
]  # fmt: skip
# What a row is: an order line, or money of the period (each kind sums to its figure of the report).
GOODS, COD_ROUNDING, REFUND, PAYOUT = "Barang", "Pembulatan COD", "Pengembalian Dana", "Pembayaran ke Lapak"


async def request_export(*, actor: User | None, market_id: int | None, date_from: date, date_to: date) -> ReportExport:
    """Queue an export (committed with its outbox event, so the job is never lost)."""
    check_period(date_from, date_to)
    market = await authorized_market(actor, market_id)
    assert actor is not None
    async with in_transaction():
        export = await ReportExport.create(
            requested_by_id=actor.id, market_id=market.id if market else None, date_from=date_from, date_to=date_to
        )
        event_id = await outbox.write("report.requested", {"export_id": export.id})
    outbox.note(event_id)
    return export


Rows = Callable[[int], Awaitable[list[dict[str, Any]]]]


async def _pages(rows_after: Rows) -> AsyncIterator[dict[str, Any]]:
    """Every row a paged query gives, CSV_PAGE at a time (each page after the last one's id)."""
    after = 0
    while True:
        rows = await rows_after(after)
        for row in rows:
            yield row
        if len(rows) < CSV_PAGE:
            return
        after = int(rows[-1]["id"])


async def _line_rows(export: ReportExport, market: Market | None, after_id: int) -> list[dict[str, Any]]:
    connection, q = query(market, export.date_from, export.date_to)
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


async def _rounding_rows(export: ReportExport, market: Market | None, after_id: int) -> list[dict[str, Any]]:
    """The cash rounding of the period's COD orders that were delivered (as the report's `codRounding`)."""
    connection, q = query(market, export.date_from, export.date_to)
    sql = f"""
        SELECT p.id AS id, o.number AS number, o.created_at AS created_at, m.name AS market, o.status AS status,
               o.payment_method AS payment_method, o.payment_status AS payment_status, o.delivery_fee AS fee,
               o.total AS total, p.cod_rounding AS amount, p.paid_at AS at
        FROM payment p JOIN orders o ON o.id = p.order_id JOIN market m ON m.id = o.market_id
        WHERE {q.orders_in_period()} AND o.status = {q.param("DELIVERED")} AND o.payment_method = {q.param("COD")}
          AND p.cod_rounding <> 0 AND p.id > {q.param(after_id)}
        ORDER BY p.id LIMIT {CSV_PAGE}
    """
    return list(await connection.execute_query_dict(sql, q.params))


async def _refund_rows(export: ReportExport, market: Market | None, after_id: int) -> list[dict[str, Any]]:
    """Refunds created in the period, with their order (and the stall whose part caused one)."""
    connection, q = query(market, export.date_from, export.date_to)
    sql = f"""
        SELECT r.id AS id, o.number AS number, o.created_at AS created_at, m.name AS market, o.status AS status,
               o.payment_method AS payment_method, o.payment_status AS payment_status, s.name AS stall,
               s.stall_number AS stall_number, o.delivery_fee AS fee, o.total AS total, r.amount AS amount,
               r.created_at AS at, r.status AS refund_status, r.reason AS reason, r.reference AS reference
        FROM refund r JOIN orders o ON o.id = r.order_id JOIN market m ON m.id = r.market_id
        LEFT JOIN stall_order so ON so.id = r.stall_order_id LEFT JOIN stall s ON s.id = so.stall_id
        WHERE {q.orders_in_period("r")} AND r.id > {q.param(after_id)}
        ORDER BY r.id LIMIT {CSV_PAGE}
    """
    return list(await connection.execute_query_dict(sql, q.params))


async def _payout_rows(export: ReportExport, market: Market | None, after_id: int) -> list[dict[str, Any]]:
    """Payouts to traders recorded in the period."""
    connection, q = query(market, export.date_from, export.date_to)
    sql = f"""
        SELECT l.id AS id, m.name AS market, s.name AS stall, s.stall_number AS stall_number, l.amount AS amount,
               l.created_at AS at, l.reference AS reference
        FROM ledger_entry l JOIN market m ON m.id = l.market_id JOIN stall s ON s.id = l.stall_id
        WHERE {q.orders_in_period("l")} AND l.kind = {q.param("PAYOUT")} AND l.id > {q.param(after_id)}
        ORDER BY l.id LIMIT {CSV_PAGE}
    """
    return list(await connection.execute_query_dict(sql, q.params))


def _cells(named: dict[str, Cell]) -> list[Cell]:
    """A row from its cells by header (the others empty)."""
    return [named.get(header) for header in CSV_HEADERS]


def _order_cells(r: dict[str, Any], zone: ZoneInfo) -> dict[str, Cell]:
    """The order columns of a money row about an order."""
    return {
        "Nomor Pesanan": r["number"], "Tanggal Pesan (WIB)": _local_time(r["created_at"], zone),
        "Pasar": r["market"], "Status Pesanan": r["status"], "Metode Bayar": r["payment_method"],
        "Status Bayar": r["payment_status"], "Ongkir (Rp)": r["fee"], "Total Pesanan (Rp)": r["total"],
    }  # fmt: skip


def _local_time(value: Any, zone: ZoneInfo) -> str | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _plain(value: Any) -> Decimal | None:
    """A quantity as the number it is, without trailing zeros (2.100 → 2.1)."""
    if value is None:
        return None
    return Decimal(plain(Decimal(str(value))))


async def build_csv(export: ReportExport) -> tuple[bytes, int]:
    """Every order line of the period, one row each, then the period's money: COD rounding, refunds and payouts
    (names and reasons written as text, never formulas)."""
    market = await markets_service.market_by_id(export.market_id) if export.market_id else None
    zone = ZoneInfo(market.timezone) if market else WIB
    document = CsvDocument(CSV_HEADERS)
    async for r in _pages(lambda after: _line_rows(export, market, after)):
        document.add([
            r["number"], _local_time(r["created_at"], zone), r["market"], r["status"], r["payment_method"],
            r["payment_status"], r["stall"], r["stall_number"], r["part_status"], r["product"], r["unit"],
            _plain(r["quantity"]), _plain(r["fulfilled"]), r["unit_price"], r["line_total"], r["fee"], r["total"],
            r["cancel_reason"], GOODS,
        ])  # fmt: skip
    async for r in _pages(lambda after: _rounding_rows(export, market, after)):
        document.add(_cells({
            **_order_cells(r, zone), "Jenis Baris": COD_ROUNDING, "Tanggal Transaksi (WIB)": _local_time(r["at"], zone),
            "Jumlah Transaksi (Rp)": r["amount"],
        }))  # fmt: skip
    async for r in _pages(lambda after: _refund_rows(export, market, after)):
        document.add(_cells({
            **_order_cells(r, zone), "Lapak": r["stall"], "Nomor Lapak": r["stall_number"], "Jenis Baris": REFUND,
            "Tanggal Transaksi (WIB)": _local_time(r["at"], zone), "Jumlah Transaksi (Rp)": r["amount"],
            "Status Transaksi": r["refund_status"], "Alasan": r["reason"], "Referensi": r["reference"],
        }))  # fmt: skip
    async for r in _pages(lambda after: _payout_rows(export, market, after)):
        document.add(_cells({
            "Pasar": r["market"], "Lapak": r["stall"], "Nomor Lapak": r["stall_number"], "Jenis Baris": PAYOUT,
            "Tanggal Transaksi (WIB)": _local_time(r["at"], zone), "Jumlah Transaksi (Rp)": -int(r["amount"]),
            "Referensi": r["reference"],
        }))  # fmt: skip
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
            event_id = await outbox.write("report.ready", {"export_id": export.id})
            outbox.note(event_id)
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


async def export_with_requester(export_id: int) -> ReportExport | None:
    """An export with who asked for it and its market loaded (for telling them it is ready)."""
    return await ReportExport.get_or_none(id=export_id).select_related("requested_by", "market")


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

"""Market reports: how a market (or the whole city) is doing over a period, computed in SQL.

Definitions (all by the day the order was placed, in the market's time zone, WIB):
- orders: orders placed in the period and not cancelled (unpaid transfer/QRIS orders are not placed yet);
- GMV: their goods value (subtotal: after rejections and weighing, without delivery fees);
- active stalls: stalls with a part (not rejected or cancelled) in one of those orders;
- new stalls: stalls that applied in the period and are approved;
- average fulfilment: minutes from placing to delivery, over the delivered ones;
- top products: by revenue and by quantity (the weighed quantity where weighed), parts not rejected;
- COD collected: cash the couriers collected for those orders;
- cancellations: orders placed in the period and cancelled, by reason;
- COD rounding: the cash rounding of those orders delivered cash on delivery (may be negative).
Money that moved in the period, by the day it was recorded:
- refunds: refunds created (what buyers are owed back, paid or not), their amount and number;
- payouts: paid to traders; commissions: the market's share of delivered sales.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from src.models.accounts import User
from src.models.markets import StallStatus
from src.models.orders import OrderStatus, PaymentMethod
from src.models.payments import LedgerKind
from src.services.common.dates import check_period
from src.services.reports.periods import LIVE_PARTS, authorized_market, query

if TYPE_CHECKING:
    from src.models.markets import Market

TOP = 10


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
    cod_rounding: int = 0
    refunds: int = 0
    refund_count: int = 0
    payouts: int = 0
    commissions: int = 0
    cancellations: dict[str, int] = field(default_factory=dict)
    top_by_revenue: list[TopProduct] = field(default_factory=list)
    top_by_quantity: list[TopProduct] = field(default_factory=list)
    daily: list[Day] = field(default_factory=list)
    by_market: list[MarketLine] = field(default_factory=list)

    @property
    def cancelled(self) -> int:
        return sum(self.cancellations.values())


async def market_report(*, actor: User | None, market_id: int | None, date_from: date, date_to: date) -> Report:
    """A market's report for a period (a market admin: theirs; the trade office: any, or the city with None)."""
    check_period(date_from, date_to)
    market = await authorized_market(actor, market_id)
    report = Report(market=market, date_from=date_from, date_to=date_to)
    # Independent queries, each filling its own figures: on PostgreSQL they run at once on the pool's
    # connections (the report's time is its slowest query, not their sum); SQLite runs them in turn.
    parts = [_orders_by_day(report), _deliveries(report), _stalls(report), _top_products(report), _money(report)]
    if market is None:
        parts.append(_by_market(report))
    await asyncio.gather(*parts)
    return report


async def _orders_by_day(report: Report) -> None:
    connection, q = query(report.market, report.date_from, report.date_to)
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
    connection, q = query(report.market, report.date_from, report.date_to)
    sql = f"""
        SELECT COUNT(*) AS n, AVG({q.minutes_between("o.created_at", "d.delivered_at")}) AS minutes,
               COALESCE(SUM(d.cod_collected), 0) AS cod
        FROM delivery_assignment d JOIN orders o ON o.id = d.order_id
        WHERE {q.orders_in_period()} AND d.status = {q.param("DELIVERED")} AND o.status = {q.param("DELIVERED")}
    """
    row = (await connection.execute_query_dict(sql, q.params))[0]
    report.average_fulfilment_minutes = round(float(row["minutes"]), 1) if row["minutes"] is not None else None
    report.cod_collected = int(row["cod"])


async def _money(report: Report) -> None:
    connection, q = query(report.market, report.date_from, report.date_to)
    rounding = f"""
        SELECT COALESCE(SUM(p.cod_rounding), 0) AS rounding
        FROM payment p JOIN orders o ON o.id = p.order_id
        WHERE {q.orders_in_period()} AND o.status = {q.param(OrderStatus.DELIVERED.value)}
          AND o.payment_method = {q.param(PaymentMethod.COD.value)}
    """
    report.cod_rounding = int((await connection.execute_query_dict(rounding, q.params))[0]["rounding"])
    connection, q = query(report.market, report.date_from, report.date_to)
    refunds = f"""
        SELECT COUNT(*) AS n, COALESCE(SUM(r.amount), 0) AS amount FROM refund r WHERE {q.orders_in_period("r")}
    """
    row = (await connection.execute_query_dict(refunds, q.params))[0]
    report.refunds, report.refund_count = int(row["amount"]), int(row["n"])
    connection, q = query(report.market, report.date_from, report.date_to)
    kinds = (LedgerKind.PAYOUT.value, LedgerKind.COMMISSION.value)
    ledger = f"""
        SELECT l.kind AS kind, COALESCE(SUM(l.amount), 0) AS amount FROM ledger_entry l
        WHERE {q.orders_in_period("l")} AND l.kind IN ({q.any_of(kinds)}) GROUP BY l.kind
    """
    sums = {r["kind"]: -int(r["amount"]) for r in await connection.execute_query_dict(ledger, q.params)}
    report.payouts, report.commissions = sums.get(LedgerKind.PAYOUT.value, 0), sums.get(LedgerKind.COMMISSION.value, 0)


async def _stalls(report: Report) -> None:
    connection, q = query(report.market, report.date_from, report.date_to)
    active = f"""
        SELECT COUNT(DISTINCT so.stall_id) AS n
        FROM stall_order so JOIN orders o ON o.id = so.order_id
        WHERE {q.orders_in_period()} AND {q.counted()} AND so.status IN ({q.any_of(LIVE_PARTS)})
    """
    report.active_stalls = int((await connection.execute_query_dict(active, q.params))[0]["n"])
    connection, q = query(report.market, report.date_from, report.date_to)
    new = f"""
        SELECT COUNT(*) AS n FROM stall s
        WHERE {q.orders_in_period("s")} AND s.status = {q.param(StallStatus.APPROVED.value)}
    """
    report.new_stalls = int((await connection.execute_query_dict(new, q.params))[0]["n"])


async def _top_products(report: Report) -> None:
    connection, q = query(report.market, report.date_from, report.date_to)
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
    connection, q = query(None, report.date_from, report.date_to)
    sql = f"""
        SELECT o.market_id AS market_id, COUNT(*) AS n, COALESCE(SUM(o.subtotal), 0) AS gmv
        FROM orders o WHERE {q.orders_in_period()} AND {q.counted()}
        GROUP BY o.market_id ORDER BY gmv DESC, o.market_id
    """
    report.by_market = [
        MarketLine(market_id=int(r["market_id"]), orders=int(r["n"]), gmv=int(r["gmv"]))
        for r in await connection.execute_query_dict(sql, q.params)
    ]

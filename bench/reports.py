"""A market report over 90 days of a busy market with 100,000 orders: how long `marketReport` takes.

The report service (src/services/reports/'s SQL plus the Python around it) for one market over 90 days
and for the whole city, against a baseline in the same run on the same data: one plain `SELECT count(*),
sum(subtotal)` over the same orders, the least any report must do; best and median of --runs, and the
ratio. The history is generated in SQL: two markets, 40 stalls, 500 buyers; 85 % of the orders delivered
with a courier (COD for most), 8 % cancelled, the rest in progress; two stall parts (3 % rejected) and
three lines each (some weighed); 10 % more in the quiet market; then ANALYZE.

    .venv/bin/python bench/reports.py [--orders 100000] [--days 90] [--runs 5]
"""

import asyncio
import statistics
import time
from collections.abc import Awaitable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.harness import cli, database, seeding
from src.models.accounts import Role, User
from src.models.catalog import Category, Unit
from src.models.markets import Market
from src.services import reports
from src.services.reports import WIB

STALLS = 40
PRODUCTS_PER_STALL = 10
BUYERS = 500
HISTORY = (Path(__file__).parent / "reports_history.sql").read_text()
COUNTS_SQL = """SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM order_item) AS lines,
(SELECT count(*) FROM delivery_assignment) AS deliveries"""
BASELINE_SQL = """SELECT count(*), sum(subtotal) FROM orders
WHERE market_id = $1 AND created_at >= $2 AND created_at < $3"""


async def generate(args: Any) -> tuple[Market, User, User]:
    """The people and places, then the history in SQL; the busy market, its admin and the city's."""
    place: dict[str, Any] = {"latitude": -7.9862, "longitude": 112.6304, "opening_hours": "04:00-14:00"}
    busy = await Market.create(name="Pasar Besar Bench", slug="pasar-besar-bench", address="Jl. Pasar Besar", **place)
    place = {"latitude": -7.9650, "longitude": 112.6480, "opening_hours": "04:00-12:00"}
    quiet = await Market.create(name="Pasar Bunul Bench", slug="pasar-bunul-bench", address="Jl. Hamid Rusdi", **place)
    admins = await seeding.users(2, role=Role.MARKET_ADMIN, phone="+628120", name="Admin", each=[{"market": busy}, {}])
    courier = (await seeding.users(1, role=Role.COURIER, phone="+628123", name="Kurir", market=busy))[0]
    category = await Category.create(name="Sayur", slug="sayur", sort_order=1)
    weighed: dict[str, Any] = {"unit": Unit.KG, "stock": 1000, "min_quantity": 0.25, "quantity_step": 0.25}
    for n in range(STALLS):
        stall = await seeding.stall(busy if n < STALLS - 4 else quiet, n, f"Lapak {n}", phone="+628121")
        for p in range(PRODUCTS_PER_STALL):
            await seeding.product(stall, category, f"Produk {n}-{p}", price=10_000 + 500 * p, **weighed)
    await seeding.users(BUYERS, phone="+628122")
    values = {"buyers": BUYERS, "quiet": quiet.id, "busy": busy.id, "busy_stalls": STALLS - 4, "courier": courier.id}
    first, *rest = [
        s for s in HISTORY.format(products_per_stall=PRODUCTS_PER_STALL, **values).split(";\n") if s.strip()
    ]
    start = datetime.now(WIB) - timedelta(days=args.days)
    await database.rows(first, [start, args.days * 86400.0, args.orders + args.orders // 10])  # g % 11 = 0: quiet
    for statement in rest:
        await database.rows(statement)
    await database.analyse()
    return busy, admins[0].user, admins[1].user


async def run(args: Any, url: str) -> None:
    async with database.orm(url, migrate=True, reference=False):
        started = time.perf_counter()
        busy, admin, office = await generate(args)
        counts = (await database.rows(COUNTS_SQL))[0]
        print(
            f"history: {counts['orders']:,} orders, {counts['lines']:,} lines, {counts['deliveries']:,} deliveries "
            f"over {args.days} days, made in {time.perf_counter() - started:.1f} s"
        )
        today = datetime.now(WIB).date()
        first = today - timedelta(days=args.days - 1)
        start, end = reports.bounds(first, today, WIB)

        def market(actor: User, market_id: int | None) -> Awaitable[reports.Report]:
            return reports.market_report(actor=actor, market_id=market_id, date_from=first, date_to=today)

        works = {
            "baseline: count(*) and sum(subtotal)": lambda: database.rows(BASELINE_SQL, [busy.id, start, end]),
            f"marketReport, one market, {args.days} days": lambda: market(admin, busy.id),
            f"marketReport, the city, {args.days} days": lambda: market(office, None),
        }
        report = await market(admin, busy.id)
        print(
            f"busy market, {args.days} days: {report.orders:,} orders, GMV Rp {report.gmv:,}, "
            f"{report.cancelled:,} cancelled, {report.active_stalls} active stalls, "
            f"average fulfilment {report.average_fulfilment_minutes} min"
        )
        medians = []
        for label, work in works.items():
            timings = []
            for _ in range(args.runs):
                begun = time.perf_counter()
                await work()
                timings.append(time.perf_counter() - begun)
            medians.append(statistics.median(timings))
            print(f"{label:<44} best {min(timings) * 1000:8.1f} ms   median {medians[-1] * 1000:8.1f} ms")
        print(
            f"ratio market report / baseline (medians): {medians[1] / medians[0]:.1f}×; "
            f"target: under 1 s → {'met' if medians[1] < 1 else 'NOT met'}"
        )


def main(args: Any) -> None:
    with database.bench_database(f"generating {args.orders:,} orders") as url:
        asyncio.run(run(args, url))


if __name__ == "__main__":
    cli.run(
        main,
        cli.Option("--orders", 100_000, "orders in the busy market"),
        cli.Option("--days", 90, "days of history"),
        cli.Option("--runs", 5, "runs of each measurement"),
    )

"""A market report over 90 days of a busy market with 100,000 orders: how long `marketReport` takes.

The report service (src/services/reports.py's SQL plus the Python around it) for one market over 90 days
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
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.harness import cli, database, seeding
from src.models.accounts import Role
from src.models.catalog import Category, Unit
from src.models.markets import Market
from src.services import reports

STALLS = 40
PRODUCTS_PER_STALL = 10
BUYERS = 500


async def _people_and_places() -> tuple[Market, Market, Any, Any, int]:
    busy = await Market.create(name="Pasar Besar Bench", slug="pasar-besar-bench", address="Jl. Pasar Besar",
                               latitude=-7.9862, longitude=112.6304, opening_hours="04:00-14:00")  # fmt: skip
    quiet = await Market.create(name="Pasar Bunul Bench", slug="pasar-bunul-bench", address="Jl. Hamid Rusdi",
                                latitude=-7.9650, longitude=112.6480, opening_hours="04:00-12:00")  # fmt: skip
    admins = await seeding.users(2, role=Role.MARKET_ADMIN, phone="+628120", name="Admin", tokens=False,
                                 each=lambda n: {"market": busy} if n == 0 else {})  # fmt: skip
    couriers = await seeding.users(1, role=Role.COURIER, phone="+628123", name="Kurir", tokens=False, market=busy)
    category = await Category.create(name="Sayur", slug="sayur", sort_order=1)
    for n in range(STALLS):
        stall = await seeding.stall(busy if n < STALLS - 4 else quiet, n, f"Lapak {n}", phone="+628121")
        for p in range(PRODUCTS_PER_STALL):
            await seeding.product(stall, category, f"Produk {n}-{p}", unit=Unit.KG, price=10_000 + 500 * p, stock=1000,
                                  min_quantity=0.25, quantity_step=0.25)  # fmt: skip
    await seeding.users(BUYERS, phone="+628122", tokens=False)
    return busy, quiet, admins[0].user, admins[1].user, couriers[0].id


HISTORY = (Path(__file__).parent / "reports_history.sql").read_text()


async def _generate(args: Any, busy: Market, quiet: Market, courier: int) -> None:
    total = args.orders + args.orders // 10  # g % 11 = 0 go to the quiet market
    start = datetime.now(seeding.WIB) - timedelta(days=args.days)
    sql = HISTORY.format(buyers=BUYERS, quiet=quiet.id, busy=busy.id, busy_stalls=STALLS - 4, courier=courier,
                         products_per_stall=PRODUCTS_PER_STALL)  # fmt: skip
    first, *rest = [s for s in sql.split(";\n") if s.strip()]
    await database.rows(first, [start, args.days * 86400.0, total])
    for statement in rest:
        await database.rows(statement)
    await database.analyse()


async def _timed(runs: int, work: Callable[[], Awaitable[Any]]) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        timings.append(time.perf_counter() - started)
    return timings


def _line(label: str, timings: list[float]) -> str:
    return f"{label:<44} best {min(timings) * 1000:8.1f} ms   median {statistics.median(timings) * 1000:8.1f} ms"


COUNTS_SQL = """SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM order_item) AS lines,
(SELECT count(*) FROM delivery_assignment) AS deliveries"""
BASELINE_SQL = """SELECT count(*), sum(subtotal) FROM orders
WHERE market_id = $1 AND created_at >= $2 AND created_at < $3"""


async def run(args: Any, url: str) -> None:
    async with database.prepared(url, reference=False):
        started = time.perf_counter()
        busy, quiet, admin, office, courier = await _people_and_places()
        await _generate(args, busy, quiet, courier)
        counts = (await database.rows(COUNTS_SQL))[0]
        print(f"history: {counts['orders']:,} orders, {counts['lines']:,} lines, {counts['deliveries']:,} deliveries "
              f"over {args.days} days, made in {time.perf_counter() - started:.1f} s")  # fmt: skip
        today = datetime.now(seeding.WIB).date()
        first = today - timedelta(days=args.days - 1)
        start, end = reports.bounds(first, today, seeding.WIB)

        def baseline() -> Awaitable[Any]:
            return database.rows(BASELINE_SQL, [busy.id, start, end])

        def market() -> Awaitable[reports.Report]:
            return reports.market_report(actor=admin, market_id=busy.id, date_from=first, date_to=today)

        def city() -> Awaitable[reports.Report]:
            return reports.market_report(actor=office, market_id=None, date_from=first, date_to=today)

        report = await market()
        print(f"busy market, {args.days} days: {report.orders:,} orders, GMV Rp {report.gmv:,}, "
              f"{report.cancelled:,} cancelled, {report.active_stalls} active stalls, "
              f"average fulfilment {report.average_fulfilment_minutes} min")  # fmt: skip
        base, one, whole = [await _timed(args.runs, work) for work in (baseline, market, city)]
        print(_line("baseline: count(*) and sum(subtotal)", base))
        print(_line(f"marketReport, one market, {args.days} days", one))
        print(_line(f"marketReport, the city, {args.days} days", whole))
        print(f"ratio market report / baseline (medians): {statistics.median(one) / statistics.median(base):.1f}×; "
              f"target: under 1 s → {'met' if statistics.median(one) < 1 else 'NOT met'}")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    args = cli.parse(
        __doc__, argv,
        cli.Option("--orders", 100_000, "orders in the busy market"),
        cli.Option("--days", 90, "days of history"),
        cli.Option("--runs", 5, "runs of each measurement"),
    )  # fmt: skip
    with database.bench_database(f"generating {args.orders:,} orders") as (_, url):
        asyncio.run(run(args, url))


if __name__ == "__main__":
    cli.main(main)

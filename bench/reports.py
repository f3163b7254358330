"""A market report over 90 days of a busy market with 100,000 orders: how long `marketReport` takes.

What it measures
    The time of the report service (the SQL aggregations of src/services/reports.py plus the Python
    around them) for one market over 90 days, and for the whole city, against a baseline measured in the
    same run on the same data: one plain `SELECT count(*), sum(subtotal)` over the same orders, the least
    any report must do. It prints the best and median of several runs and the ratio; it asserts no timings.

How
    1. Creates a PostgreSQL database `pasar_bench_<random>` on 127.0.0.1:5432, applies the migrations.
    2. Makes two markets (the busy one and a quieter one), 40 stalls with 10 products each, 500 buyers, a
       courier and the admins through the ORM, then generates the history in SQL (generate_series):
       100,000 orders over the last 90 days (WIB), 85 % delivered with a courier's assignment and cash on
       delivery for most, 8 % cancelled with one of three reasons, the rest still in progress; two stall
       parts per order (3 % of them rejected) and three lines (weighed quantities on some); plus 10 % as
       many orders in the quiet market. Then ANALYZE.
    3. Runs the baseline and the reports, each --runs times, and prints the figures.
    4. Drops the database, also on failure, Ctrl-C or SIGTERM.

Run from the repository root:
    .venv/bin/python bench/reports.py [--orders 100000] [--days 90] [--runs 5]
"""

import argparse
import asyncio
import secrets
import signal
import statistics
import time
from datetime import datetime, timedelta

from bench.catalog import PG_BENCH_URL, create_database, drop_database, on_sigterm
from src import db
from src.models.accounts import Role, User
from src.models.catalog import Category, Product, Unit
from src.models.markets import Market, Stall, StallStatus
from src.services import reports
from src.settings import Settings

STALLS = 40
PRODUCTS_PER_STALL = 10
BUYERS = 500


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000, help="orders in the busy market")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=5)
    return parser.parse_args(argv)


async def _people_and_places() -> tuple[Market, Market, User, User, list[int], int]:
    busy = await Market.create(name="Pasar Besar Bench", slug="pasar-besar-bench", address="Jl. Pasar Besar",
                               latitude=-7.9862, longitude=112.6304, opening_hours="04:00-14:00")  # fmt: skip
    quiet = await Market.create(name="Pasar Bunul Bench", slug="pasar-bunul-bench", address="Jl. Hamid Rusdi",
                                latitude=-7.9650, longitude=112.6480, opening_hours="04:00-12:00")  # fmt: skip
    hashed = "x" * 60
    admin = await User.create(phone="+6281200000001", name="Admin", role=Role.MARKET_ADMIN, market=busy,
                              password_hash=hashed)  # fmt: skip
    office = await User.create(phone="+6281200000002", name="Diskoperindag", role=Role.MARKET_ADMIN,
                               password_hash=hashed)  # fmt: skip
    courier = await User.create(phone="+6281200000003", name="Kurir", role=Role.COURIER, market=busy,
                                password_hash=hashed)  # fmt: skip
    category = await Category.create(name="Sayur", slug="sayur", sort_order=1)
    products: list[int] = []
    for n in range(STALLS):
        trader = await User.create(phone=f"+628121{n:07d}", name=f"Pedagang {n}", role=Role.TRADER,
                                   password_hash=hashed)  # fmt: skip
        stall = await Stall.create(market=busy if n < STALLS - 4 else quiet, trader=trader, name=f"Lapak {n}",
                                   stall_number=f"A-{n:03d}", status=StallStatus.APPROVED, is_open=True)  # fmt: skip
        for p in range(PRODUCTS_PER_STALL):
            product = await Product.create(stall=stall, category=category, name=f"Produk {n}-{p}", unit=Unit.KG,
                                           price=10_000 + 500 * p, stock=1000, min_quantity=0.25,
                                           quantity_step=0.25, search_text=f"produk {n} {p}")  # fmt: skip
            products.append(product.id)
    await User.bulk_create([
        User(phone=f"+628122{n:07d}", name=f"Pembeli {n}", role=Role.BUYER, password_hash=hashed)
        for n in range(BUYERS)
    ])  # fmt: skip
    return busy, quiet, admin, office, products, courier.id


HISTORY = """
INSERT INTO orders (id, number, buyer_id, market_id, status, payment_method, payment_status, subtotal,
    delivery_fee, total, distance_km, address_line, address_area, recipient_name, recipient_phone, latitude,
    longitude, slot_date, slot_window, note, idempotency_key, request_hash, cancel_reason, created_at, updated_at)
SELECT g, 'PSR-B-' || g, (SELECT min(id) FROM user_account WHERE role = 'BUYER') + g % {buyers},
    CASE WHEN g % 11 = 0 THEN {quiet} ELSE {busy} END,
    CASE WHEN g % 100 < 85 THEN 'DELIVERED' WHEN g % 100 < 93 THEN 'CANCELLED' ELSE 'PROCESSING' END,
    CASE WHEN g % 5 = 0 THEN 'QRIS' ELSE 'COD' END,
    CASE WHEN g % 100 < 85 THEN 'PAID' WHEN g % 100 < 93 THEN 'VOID' ELSE 'UNPAID' END,
    0, 7000, 0, 1.5, 'Jl. Bench ' || g, '', 'Pembeli', '+6281299999999', -7.98, 112.63,
    CAST(t AS date), 'MORNING', '', 'k' || g, '',
    CASE WHEN g % 100 BETWEEN 85 AND 92
         THEN (ARRAY['tidak jadi', 'ALL_PARTS_REJECTED', 'PAYMENT_EXPIRED'])[g % 3 + 1] END,
    t, t
FROM (SELECT g, $1::timestamptz + (g * $2::float8 / $3::int) * interval '1 second' AS t
      FROM generate_series(1, $3::int) AS g) AS s;

INSERT INTO stall_order (id, order_id, stall_id, status, subtotal, created_at, updated_at)
SELECT o.id * 2 - k, o.id, ((o.id * 7 + k * 3) % {busy_stalls}) + (SELECT min(id) FROM stall),
    CASE WHEN o.status = 'CANCELLED' THEN 'CANCELLED' WHEN (o.id + k) % 33 = 0 THEN 'REJECTED' ELSE 'READY' END,
    0, o.created_at, o.created_at
FROM orders o CROSS JOIN (VALUES (0), (1)) AS parts(k);

INSERT INTO order_item (id, stall_order_id, product_id, product_name, unit, unit_price, quantity,
    fulfilled_quantity, is_weighed, line_total, note)
SELECT so.id * 2 - k, so.id, p.id, p.name, 'KG', p.price, 1 + (so.id % 4) * 0.25,
    CASE WHEN so.id % 3 = 0 THEN 1.1 + (so.id % 4) * 0.25 END, so.id % 3 = 0,
    round(p.price * CASE WHEN so.id % 3 = 0 THEN 1.1 + (so.id % 4) * 0.25 ELSE 1 + (so.id % 4) * 0.25 END), ''
FROM stall_order so CROSS JOIN (VALUES (0), (1)) AS lines(k)
JOIN product p ON p.stall_id = so.stall_id AND p.name LIKE '%-' || ((so.id + k) % {products_per_stall});

UPDATE stall_order so SET subtotal = i.total FROM (
    SELECT stall_order_id, sum(line_total) AS total FROM order_item GROUP BY stall_order_id) i
WHERE i.stall_order_id = so.id;
UPDATE orders o SET subtotal = s.total, total = s.total + o.delivery_fee FROM (
    SELECT order_id, sum(subtotal) AS total FROM stall_order WHERE status = 'READY' GROUP BY order_id) s
WHERE s.order_id = o.id;

INSERT INTO delivery_assignment (order_id, courier_id, market_id, status, live_order_id, offered_at, accepted_at,
    picked_up_at, delivered_at, cod_expected, cod_collected, cod_difference, updated_at)
SELECT o.id, {courier}, o.market_id, 'DELIVERED', NULL, o.created_at, o.created_at, o.created_at,
    o.created_at + (40 + o.id % 80) * interval '1 minute',
    CASE WHEN o.payment_method = 'COD' THEN o.total ELSE 0 END,
    CASE WHEN o.payment_method = 'COD' THEN o.total - CASE WHEN o.id % 50 = 0 THEN 1000 ELSE 0 END END,
    CASE WHEN o.payment_method = 'COD' AND o.id % 50 = 0 THEN -1000 ELSE 0 END, o.created_at
FROM orders o WHERE o.status = 'DELIVERED';
"""


async def _generate(args: argparse.Namespace, busy: Market, quiet: Market, courier: int) -> None:
    from tortoise.connection import get_connection

    connection = get_connection("default")
    total = args.orders + args.orders // 10  # g % 11 = 0 go to the quiet market
    start = datetime.now(reports.WIB) - timedelta(days=args.days)
    sql = HISTORY.format(buyers=BUYERS, quiet=quiet.id, busy=busy.id, busy_stalls=STALLS - 4, courier=courier,
                         products_per_stall=PRODUCTS_PER_STALL)  # fmt: skip
    statements = [s for s in sql.split(";\n") if s.strip()]
    await connection.execute_query(statements[0], [start, args.days * 86400.0, total])
    for statement in statements[1:]:
        await connection.execute_query(statement)
    await connection.execute_script("ANALYZE")


async def _timed(runs: int, work: object) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()  # type: ignore[operator]
        timings.append(time.perf_counter() - started)
    return timings


def _line(label: str, timings: list[float]) -> str:
    return f"{label:<44} best {min(timings) * 1000:8.1f} ms   median {statistics.median(timings) * 1000:8.1f} ms"


async def run(args: argparse.Namespace, database_url: str) -> None:
    settings = Settings(database_url=database_url, redis_url="redis://127.0.0.1:6379/13")
    await db.migrate(settings)
    await db.init_orm(settings)
    try:
        started = time.perf_counter()
        busy, quiet, admin, office, _, courier = await _people_and_places()
        await _generate(args, busy, quiet, courier)
        from tortoise.connection import get_connection

        connection = get_connection("default")
        counts = (await connection.execute_query_dict(
            "SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM order_item) AS lines, "
            "(SELECT count(*) FROM delivery_assignment) AS deliveries"
        ))[0]  # fmt: skip
        print(f"history: {counts['orders']:,} orders, {counts['lines']:,} lines, {counts['deliveries']:,} deliveries "
              f"over {args.days} days, made in {time.perf_counter() - started:.1f} s")  # fmt: skip
        today = datetime.now(reports.WIB).date()
        first = today - timedelta(days=args.days - 1)
        start, end = reports.bounds(first, today, reports.WIB)

        async def baseline() -> None:
            await connection.execute_query(
                "SELECT count(*), sum(subtotal) FROM orders WHERE market_id = $1 AND created_at >= $2 "
                "AND created_at < $3", [busy.id, start, end]
            )  # fmt: skip

        async def market() -> reports.Report:
            return await reports.market_report(actor=admin, market_id=busy.id, date_from=first, date_to=today)

        async def city() -> reports.Report:
            return await reports.market_report(actor=office, market_id=None, date_from=first, date_to=today)

        report = await market()
        print(f"busy market, {args.days} days: {report.orders:,} orders, GMV Rp {report.gmv:,}, "
              f"{report.cancelled:,} cancelled, {report.active_stalls} active stalls, "
              f"average fulfilment {report.average_fulfilment_minutes} min")  # fmt: skip
        base = await _timed(args.runs, baseline)
        one = await _timed(args.runs, market)
        whole = await _timed(args.runs, city)
        print(_line("baseline: count(*) and sum(subtotal)", base))
        print(_line(f"marketReport, one market, {args.days} days", one))
        print(_line(f"marketReport, the city, {args.days} days", whole))
        print(f"ratio market report / baseline (medians): {statistics.median(one) / statistics.median(base):.1f}×; "
              f"target: under 1 s → {'met' if statistics.median(one) < 1 else 'NOT met'}")  # fmt: skip
    finally:
        await db.close_orm()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_sigterm)
    name = f"pasar_bench_{secrets.token_hex(4)}"
    asyncio.run(create_database(name))
    try:
        asyncio.run(run(args, PG_BENCH_URL.format(name=name)))
    finally:
        asyncio.run(drop_database(name))


if __name__ == "__main__":
    main()

"""Placing orders under contention: throughput, latency, overselling and idempotency of `placeOrder`.

What it measures
    How many orders per second ONE uvicorn process of the real app places when many buyers race for the
    same few products at once (every placement locks the products' rows, so racing buyers queue), the
    p50/p99 latency of those requests, and whether the two promises of src/services/orders.py hold under
    that load, checked afterwards in the database itself:
    - stock never goes below zero and never drifts: for every hot product, initial stock − units ordered
      (in orders not cancelled) = final stock ≥ 0 ("oversell: 0");
    - the same idempotency key gives the same order: in phase 2 every request is sent twice at once with
      the same key and input; both answers must name the same order number and the database must hold
      one order per (buyer, key) ("duplicate orders: 0").
    It prints figures and asserts no timings.

How
    1. Creates a PostgreSQL database `pasar_bench_<random>` on 127.0.0.1:5432 (user postgres), applies
       the migrations, seeds the markets and categories, then adds, in Pasar Besar Malang, a few traders
       with approved, open stalls, for each phase a handful of HOT products (PCS, not weighed, minimum 1,
       step 1) with a known stock, and N buyers, each with an access token signed with a fixed SECRET_KEY
       that the server gets too (no login calls).
    2. Starts `uvicorn src.app:create_app --factory` (one process, log level warning, no access log) on a
       free port with DATABASE_URL, REDIS_URL (database 13), SECRET_KEY, ENVIRONMENT=dev and limits high
       enough that only stock can refuse an order (SLOT_CAPACITY, COD_MAX_TOTAL).
    3. From this process (not the server's), each buyer, an httpx.AsyncClient holding one HTTP/1.1
       keep-alive connection, sends `placeOrder` after `placeOrder` for a fixed time: 1–2 random hot
       products of the phase, quantity 1 or 2 each, an address 0.005° north of the market, tomorrow's
       AFTERNOON slot (WIB), COD and a fresh idempotency key per order.
       Phase 1 sends each order once. Phase 2 (new hot products, same stock) sends each order twice at
       once over two connections of the same buyer, with the same key and the same input.
    4. Counts the answers (order placed, OUT_OF_STOCK, other user errors by code, GraphQL errors, HTTP
       errors), prints orders/s, requests/s, p50/p99 latency and the CPU used while measuring by the
       server, the database's PostgreSQL backends, this driver and everything else (from /proc), then
       reads the database directly: stock, units ordered and orders of the phase.
    5. Stops the server and drops the database, also on failure, Ctrl-C or SIGTERM.

Run from the repository root:
    .venv/bin/python bench/orders.py [--seconds 15] [--buyers 64] [--hot 5] [--stock 200]
"""

import argparse
import asyncio
import os
import random
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import orjson
from strawberry import relay

from bench.catalog import (
    PG_BENCH_URL,
    REDIS_URL,
    CpuSample,
    CpuUse,
    Watched,
    create_database,
    drop_database,
    idle_load,
    on_sigterm,
    run_driver,
    running_server,
)

SERVER_APP = "src.app:create_app"
# Signs the buyers' access tokens here and checks them in the server: both get the same key.
SECRET_KEY = "pasar-bench-orders-secret-key-not-for-production"
REQUEST_TIMEOUT = 30.0
MARKET_SLUG = "pasar-besar"
STALLS = 3
PRICE = 25_000  # rupiah per unit of every hot product
WIB = ZoneInfo("Asia/Jakarta")
JSON_HEADERS = {"content-type": "application/json"}

PLACE_ORDER = """mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { id number total { amount } } errors { field code } }
}"""
# Units ordered of each product in orders that still count (not cancelled), with its stock now.
STOCK_SQL = """
SELECT p.id, p.name, p.stock,
       COALESCE(SUM(oi.quantity) FILTER (WHERE o.status <> 'CANCELLED'), 0) AS ordered
FROM product p
LEFT JOIN order_item oi ON oi.product_id = p.id
LEFT JOIN stall_order so ON so.id = oi.stall_order_id
LEFT JOIN orders o ON o.id = so.order_id
WHERE p.id = ANY($1::int[])
GROUP BY p.id, p.name, p.stock
ORDER BY p.id
"""
ORDERS_SQL = "SELECT buyer_id, idempotency_key, number, status FROM orders WHERE starts_with(idempotency_key, $1)"


# ---------------------------------------------------------------------------------------------------
# Seed: one market, a few stalls, hot products per phase, buyers with tokens
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Buyer:
    id: int
    phone: str
    token: str


@dataclass
class World:
    """What the seed wrote, for the driver and the checks."""

    market: str
    lat: float
    lng: float
    stalls: int
    buyers: list[Buyer]
    hot: dict[str, list[int]]  # phase tag → its hot products' ids
    stock: int


async def seed_world(buyers: int, hot: int, stock: int, phases: list[str]) -> World:
    from src.models.accounts import BuyerType, Role, User
    from src.models.catalog import Category, Product, Unit
    from src.models.markets import Market, Stall, StallStatus
    from src.services import search
    from src.services.tokens import create_access_token
    from src.settings import Settings

    # Only the key and the lifetime matter here: the tokens must outlive seeding, both phases and checks.
    settings = Settings(secret_key=SECRET_KEY, access_token_minutes=24 * 60)
    password_hash = "bench-not-a-real-argon2-hash"  # nobody logs in: tokens are signed directly
    market = await Market.get(slug=MARKET_SLUG)
    category = await Category.get(slug="sembako")

    stalls = []
    for n in range(STALLS):
        trader = await User.create(
            phone=f"+628129{n:07d}", name=f"Pedagang {n + 1}", role=Role.TRADER, password_hash=password_hash
        )
        stalls.append(
            await Stall.create(
                market=market,
                trader=trader,
                name=f"Toko Sembako Laris {n + 1}",
                stall_number=f"B-{n + 1:02d}",
                status=StallStatus.APPROVED,
                is_open=True,
            )
        )
    hot_ids: dict[str, list[int]] = {}
    for tag in phases:
        hot_ids[tag] = []
        for n in range(hot):
            name = f"Minyak goreng promo {tag.upper()}-{n + 1}"
            product = await Product.create(
                stall=stalls[n % len(stalls)],
                category=category,
                name=name,
                description="Stok terbatas.",
                unit=Unit.PCS,
                price=PRICE,
                min_quantity=Decimal(1),
                quantity_step=Decimal(1),
                stock=Decimal(stock),
                is_weighed=False,
                search_text=search.index_text(name, category.name),
            )
            hot_ids[tag].append(product.id)
    people = []
    for n in range(buyers):
        user = await User.create(
            phone=f"+628127{n:07d}",
            name=f"Pembeli {n + 1}",
            role=Role.BUYER,
            buyer_type=BuyerType.HOUSEHOLD,
            password_hash=password_hash,
        )
        people.append(Buyer(id=user.id, phone=user.phone, token=create_access_token(user, settings)))
    return World(
        market=market.name,
        lat=float(market.latitude),
        lng=float(market.longitude),
        stalls=len(stalls),
        buyers=people,
        hot=hot_ids,
        stock=stock,
    )


async def prepare_database(database_url: str, buyers: int, hot: int, stock: int, phases: list[str]) -> World:
    """Migrations, reference data (markets, categories), then the benchmark's market, products and buyers."""
    from tortoise import Tortoise

    from src import db
    from src.services.seed import seed_reference_data
    from src.settings import Settings

    settings = Settings(database_url=database_url, redis_url=REDIS_URL, environment="dev")
    await db.migrate(settings)
    await Tortoise.close_connections()
    await db.init_orm(settings)
    try:
        await seed_reference_data()
        return await seed_world(buyers, hot, stock, phases)
    finally:
        await db.close_orm()


# ---------------------------------------------------------------------------------------------------
# The server: one uvicorn process of the real app
# ---------------------------------------------------------------------------------------------------


# Only stock may refuse an order: not the slot's capacity, the cash-on-delivery limit or the rate limit.
SERVER_ENV = {
    "SECRET_KEY": SECRET_KEY,
    "SLOT_CAPACITY": "1000000",
    "COD_MAX_TOTAL": "1000000000",
    "RATE_ORDERS_PER_MINUTE": "1000000",
}


# ---------------------------------------------------------------------------------------------------
# The driver: one keep-alive client per buyer (two in phase 2), placing orders for a fixed time
# ---------------------------------------------------------------------------------------------------

PLACED, OUT_OF_STOCK, GRAPHQL_ERROR, HTTP_ERROR = "placed", "OUT_OF_STOCK", "GraphQL error", "HTTP error"


@dataclass(frozen=True)
class Phase:
    tag: str  # prefix of the phase's idempotency keys
    title: str
    products: list[int]
    twice: bool  # send every request twice at once, same key and input


@dataclass(frozen=True)
class Answer:
    kind: str  # PLACED, OUT_OF_STOCK, GRAPHQL_ERROR, HTTP_ERROR or another UserError code
    latency: float
    number: str | None = None
    text: str = ""  # the response (or exception), kept for a sample


@dataclass
class PhaseResult:
    phase: Phase
    seconds: float = 0.0
    answers: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # every answered request
    placed_latencies: list[float] = field(default_factory=list)
    last_placed_at: float = 0.0  # seconds after the start
    samples: dict[str, str] = field(default_factory=dict)  # first response of each kind but PLACED
    placed: dict[tuple[int, str], str] = field(default_factory=dict)  # (buyer, key) → order number answered
    pairs: Counter[str] = field(default_factory=Counter)  # phase 2: how the two answers of a pair compare
    pair_samples: dict[str, str] = field(default_factory=dict)
    cpu: CpuUse | None = None

    @property
    def requests(self) -> int:
        return sum(self.answers.values())

    def rate(self, count: int) -> float:
        return count / self.seconds if self.seconds else 0.0


def percentile_ms(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def tomorrow_wib() -> str:
    return (datetime.now(WIB).date() + timedelta(days=1)).isoformat()


def order_body(world: World, buyer: Buyer, products: list[int], rng: random.Random, key: str) -> bytes:
    chosen = rng.sample(products, rng.randint(1, min(2, len(products))))
    variables = {
        "input": {
            "items": [
                {"productId": relay.to_base64("Product", pid), "quantity": str(rng.randint(1, 2))} for pid in chosen
            ],
            "address": {
                "line": f"Jl. Kawi No. {buyer.id % 200 + 1}",
                "area": "Klojen",
                "recipientName": f"Pembeli {buyer.id}",
                "recipientPhone": buyer.phone,
                "location": {"lat": round(world.lat + 0.005, 6), "lng": world.lng},
            },
            "deliverySlot": {"date": tomorrow_wib(), "window": "AFTERNOON"},
            "paymentMethod": "COD",
            "idempotencyKey": key,
        }
    }
    return orjson.dumps({"query": PLACE_ORDER, "variables": variables})


def _cancelling() -> bool:
    """Whether this task was asked to stop (Ctrl-C): httpcore may turn the cancellation into a read error."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def classify(response: httpx.Response, latency: float) -> Answer:
    text = response.text[:600]
    if response.status_code != 200:
        return Answer(HTTP_ERROR, latency, text=f"HTTP {response.status_code}: {text}")
    try:
        document = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return Answer(HTTP_ERROR, latency, text=f"HTTP 200, not JSON: {text}")
    payload = (document.get("data") or {}).get("placeOrder")
    if document.get("errors") or payload is None:
        return Answer(GRAPHQL_ERROR, latency, text=text)
    codes = [e["code"] for e in payload["errors"]]
    if OUT_OF_STOCK in codes:
        return Answer(OUT_OF_STOCK, latency, text=text)
    if codes:
        return Answer(codes[0], latency, text=text)
    if payload["order"] is None:
        return Answer(GRAPHQL_ERROR, latency, text=f"neither an order nor errors: {text}")
    return Answer(PLACED, latency, number=payload["order"]["number"])


async def send(client: httpx.AsyncClient, body: bytes) -> Answer:
    started = time.perf_counter()
    try:
        response = await client.post("/graphql", content=body, headers=JSON_HEADERS)
    except httpx.HTTPError as exc:
        if _cancelling():
            raise asyncio.CancelledError from exc
        return Answer(HTTP_ERROR, time.perf_counter() - started, text=f"{type(exc).__name__}: {exc}")
    return classify(response, time.perf_counter() - started)


def _pair_outcome(first: Answer, second: Answer) -> str:
    kinds = sorted([first.kind, second.kind])
    if kinds == [PLACED, PLACED]:
        return "both placed, same order" if first.number == second.number else "both placed, DIFFERENT orders"
    if PLACED in kinds:
        return f"one placed, the other {kinds[0] if kinds[1] == PLACED else kinds[1]}"
    return "both refused" if first.kind == second.kind else "both refused, differently"


async def _buyer(
    clients: list[httpx.AsyncClient],
    world: World,
    buyer: Buyer,
    phase: Phase,
    rng: random.Random,
    started: float,
    deadline: float,
    result: PhaseResult,
) -> None:
    sequence = 0
    while time.perf_counter() < deadline:
        sequence += 1
        key = f"{phase.tag}-{buyer.id}-{sequence}-{secrets.token_hex(4)}"
        body = order_body(world, buyer, phase.products, rng, key)
        if phase.twice:
            answers = list(await asyncio.gather(send(clients[0], body), send(clients[1], body)))
            outcome = _pair_outcome(*answers)
            result.pairs[outcome] += 1
            if outcome not in ("both placed, same order", "both refused") and outcome not in result.pair_samples:
                result.pair_samples[outcome] = " | ".join(a.number or a.text for a in answers)
        else:
            answers = [await send(clients[0], body)]
        for answer in answers:
            result.answers[answer.kind] += 1
            result.latencies.append(answer.latency)
            if answer.kind == PLACED:
                assert answer.number is not None
                result.placed_latencies.append(answer.latency)
                result.last_placed_at = time.perf_counter() - started
                result.placed[(buyer.id, key)] = answer.number
            else:
                result.samples.setdefault(answer.kind, answer.text)
                if answer.kind == HTTP_ERROR:
                    await asyncio.sleep(0.01)


async def run_phase(
    clients: list[list[httpx.AsyncClient]], world: World, phase: Phase, seconds: float, watched: Watched
) -> PhaseResult:
    result = PhaseResult(phase)
    before = CpuSample.take(watched)
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _buyer(pair, world, buyer, phase, random.Random(f"{phase.tag}-{index}"), started, deadline, result)
            for index, (pair, buyer) in enumerate(zip(clients, world.buyers, strict=True))
        )
    )
    result.seconds = time.perf_counter() - started  # every buyer finishes the request it has in flight
    result.cpu = CpuUse.between(before, CpuSample.take(watched), result.seconds)
    return result


# ---------------------------------------------------------------------------------------------------
# The checks: read the database directly after each phase
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockRow:
    product_id: int
    name: str
    initial: Decimal
    ordered: Decimal
    final: Decimal

    @property
    def consistent(self) -> bool:
        return self.final >= 0 and self.initial - self.ordered == self.final

    @property
    def beyond_stock(self) -> Decimal:
        return max(Decimal(0), self.ordered - self.initial)


@dataclass
class Checked:
    stock: list[StockRow]
    orders: int  # orders of the phase in the database (its keys' prefix)
    distinct_keys: int  # distinct (buyer, key) among them
    duplicate_orders: int  # orders beyond the first per (buyer, key)
    cancelled: int
    numbers_differ: int  # keys whose answered number is not the database's
    answered_not_stored: int  # answered with an order the database does not have
    stored_not_answered: int  # in the database, but no answer said so (a timed-out request)

    @property
    def oversold_products(self) -> int:
        return sum(not row.consistent for row in self.stock)


async def check_phase(database_url: str, result: PhaseResult, initial: int) -> Checked:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(STOCK_SQL, result.phase.products)
        orders = await connection.fetch(ORDERS_SQL, f"{result.phase.tag}-")
    finally:
        await connection.close()
    stock = [StockRow(r["id"], r["name"], Decimal(initial), r["ordered"], r["stock"]) for r in rows]
    per_key: dict[tuple[int, str], list[str]] = {}
    for order in orders:
        per_key.setdefault((order["buyer_id"], order["idempotency_key"]), []).append(order["number"])
    return Checked(
        stock=stock,
        orders=len(orders),
        distinct_keys=len(per_key),
        duplicate_orders=sum(len(numbers) - 1 for numbers in per_key.values()),
        cancelled=sum(order["status"] == "CANCELLED" for order in orders),
        numbers_differ=sum(1 for key, number in result.placed.items() if key in per_key and number not in per_key[key]),
        answered_not_stored=sum(1 for key in result.placed if key not in per_key),
        stored_not_answered=sum(1 for key in per_key if key not in result.placed),
    )


@dataclass
class Measured:
    idle: CpuUse
    phases: list[tuple[PhaseResult, Checked]]


async def measure(
    base_url: str, database_url: str, world: World, phases: list[Phase], seconds: float, watched: Watched
) -> Measured:
    # One client (one keep-alive connection) per buyer, two in phase 2 so that the pair really races:
    # httpcore's shared pool rescans all its connections for every request, which costs the driver CPU.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with AsyncExitStack() as stack:
        clients = [
            [
                await stack.enter_async_context(
                    httpx.AsyncClient(
                        base_url=base_url,
                        limits=limits,
                        timeout=REQUEST_TIMEOUT,
                        headers={"authorization": f"Bearer {buyer.token}"},
                    )
                )
                for _ in range(2)
            ]
            for buyer in world.buyers
        ]
        idle = await idle_load(watched)
        if idle.other > 0.25:
            print(f"  warning: {idle.other:.2f} cores busy with other programs before the run", flush=True)
        done = []
        for phase in phases:
            print(f"  {phase.title}: {seconds:g} s …", flush=True)
            result = await run_phase(clients, world, phase, seconds, watched)
            done.append((result, await check_phase(database_url, result, world.stock)))
    return Measured(idle, done)


# ---------------------------------------------------------------------------------------------------
# Report and command line
# ---------------------------------------------------------------------------------------------------


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def report_phase(result: PhaseResult, checked: Checked) -> None:
    phase, answers = result.phase, result.answers
    placed = answers[PLACED]
    others = {k: v for k, v in answers.items() if k not in (PLACED, OUT_OF_STOCK, GRAPHQL_ERROR, HTTP_ERROR)}
    other_text = ", ".join(f"{k} {v}" for k, v in sorted(others.items())) or "none"
    print()
    print(f"{phase.title}")
    print("-" * len(phase.title))
    print(
        f"requests {result.requests:,} in {result.seconds:.1f} s ({result.rate(result.requests):.1f}/s): "
        f"placed {placed:,}, OUT_OF_STOCK {answers[OUT_OF_STOCK]:,}, other errors {sum(others.values())} "
        f"({other_text}), GraphQL errors {answers[GRAPHQL_ERROR]}, HTTP errors {answers[HTTP_ERROR]}"
    )
    until = result.last_placed_at
    placements = len(result.placed)  # in phase 2 the two answers of a pair are one placement
    print(
        f"orders/s: {result.rate(placements):.1f} over the phase; the last order was placed after {until:.1f} s "
        f"({placements / until if until else float('nan'):.1f} orders/s until then)"
    )
    print(
        f"latency: all requests p50 {percentile_ms(result.latencies, 0.5):.1f} ms, "
        f"p99 {percentile_ms(result.latencies, 0.99):.1f} ms; "
        f"placed p50 {percentile_ms(result.placed_latencies, 0.5):.1f} ms, "
        f"p99 {percentile_ms(result.placed_latencies, 0.99):.1f} ms"
    )
    if result.cpu:
        cpu = result.cpu
        print(
            f"CPU cores: server {cpu.server:.2f}, postgres {cpu.postgres:.2f}, driver {cpu.driver:.2f}, "
            f"other {cpu.other:.2f}; server CPU per request "
            f"{cpu.server * result.seconds * 1000 / result.requests if result.requests else float('nan'):.1f} ms"
        )
    if phase.twice:
        pairs = sum(result.pairs.values())
        print(f"pairs (same key, same input, sent at once): {pairs:,}")
        for outcome, count in result.pairs.most_common():
            print(f"  {outcome}: {count:,}")
    print(f"{'product':<34}{'initial':>9}{'ordered':>9}{'final':>9}  initial − ordered = final ≥ 0")
    for row in checked.stock:
        print(
            f"{row.name:<34}{_plain(row.initial):>9}{_plain(row.ordered):>9}{_plain(row.final):>9}  "
            f"{'yes' if row.consistent else 'NO'}"
        )
    beyond = sum((row.beyond_stock for row in checked.stock), Decimal(0))
    print(
        f"oversell: {checked.oversold_products} (products failing the check; units ordered beyond stock: "
        f"{_plain(beyond)})"
    )
    print(
        f"orders in the database: {checked.orders:,} ({checked.cancelled} cancelled); distinct keys answered "
        f"with an order: {len(result.placed):,}; distinct (buyer, key) in the database: {checked.distinct_keys:,}"
    )
    if phase.twice:
        print(f"duplicate orders: {checked.duplicate_orders}")
    elif checked.duplicate_orders:
        print(f"duplicate orders: {checked.duplicate_orders} (phase 1 sends every key once!)")
    if checked.numbers_differ or checked.answered_not_stored or checked.stored_not_answered:
        print(
            f"MISMATCH: answered numbers not the database's {checked.numbers_differ}, answered orders missing "
            f"from the database {checked.answered_not_stored}, stored orders never answered "
            f"{checked.stored_not_answered}"
        )
    else:
        print("every order answered is in the database with the number answered, and nothing else is")
    for kind, text in result.samples.items():
        print(f"sample {kind}: {text}")
    for outcome, text in result.pair_samples.items():
        print(f"sample pair, {outcome}: {text}")


def report(args: argparse.Namespace, world: World, measured: Measured) -> None:
    print()
    print(
        f"placeOrder under contention: 1 uvicorn process, {len(world.buyers)} buyers, {args.seconds:g} s per phase, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"seeded: {world.market}, {world.stalls} stalls; per phase {args.hot} hot products × {args.stock} units "
        f"({args.hot * args.stock:,} units); orders of 1–2 products × 1–2 units, COD, tomorrow AFTERNOON"
    )
    print(f"before the run, other programs kept {measured.idle.other:.2f} cores busy")
    for result, checked in measured.phases:
        report_phase(result, checked)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="measuring time per phase (default 15)")
    parser.add_argument("--buyers", type=int, default=64, help="concurrent buyers (default 64)")
    parser.add_argument("--hot", type=int, default=5, help="hot products per phase (default 5)")
    parser.add_argument("--stock", type=int, default=200, help="initial stock of each hot product (default 200)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.buyers < 1 or args.hot < 1 or args.stock < 0:
        parser.error("--seconds, --buyers and --hot must be positive, --stock not negative")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_sigterm)  # `kill` cleans up like Ctrl-C: server stopped, database dropped
    name = f"pasar_bench_{secrets.token_hex(4)}"
    database_url = PG_BENCH_URL.format(name=name)
    tags = ["p1", "p2"]
    print(f"database {name}: creating, migrating, seeding {args.buyers} buyers …", flush=True)
    asyncio.run(create_database(name))
    try:
        started = time.perf_counter()
        world = asyncio.run(prepare_database(database_url, args.buyers, args.hot, args.stock, tags))
        print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)
        phases = [
            Phase("p1", "phase 1: every order sent once", world.hot["p1"], twice=False),
            Phase("p2", "phase 2: every order sent twice at once, same idempotency key", world.hot["p2"], twice=True),
        ]
        with (
            tempfile.TemporaryDirectory(prefix="pasar-bench-") as log_dir,
            running_server(database_url, Path(log_dir), app=SERVER_APP, env=SERVER_ENV) as server,
        ):
            print(f"server: uvicorn {SERVER_APP} on {server.base_url} (pid {server.process.pid})", flush=True)
            measured = run_driver(
                lambda: measure(
                    server.base_url, database_url, world, phases, args.seconds, Watched(server.process.pid, name)
                )
            )
            if server.process.poll() is not None:
                print(f"warning: the server exited during the run:\n{server.log_tail()}", file=sys.stderr)
            log_tail = server.log_tail(12)
        report(args, world, measured)
        if log_tail.strip():
            print(f"\nserver log (last lines):\n{log_tail}")
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        asyncio.run(drop_database(name))
        print(f"database {name} dropped", flush=True)


if __name__ == "__main__":
    main()

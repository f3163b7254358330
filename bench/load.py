"""A mixed morning load through the real HTTP API, with one API process and then two.

What it measures
    Requests per second, p50/p99 latency per operation and the error count when many clients hit the
    API at once with the morning's mix: browsing the catalog (70 %), a product's detail (15 %), cart and
    order (10 %: half addToCart, half placeOrder) and a courier's delivery queue (5 %). It runs the same
    load for the same time against one uvicorn process and against two (on two ports, the clients'
    connections spread over them round robin, as a load balancer does), taking turns for --rounds rounds
    (1, 2, then 2, 1, ...),
    and prints the ratio of their throughputs round by round and its median. It asserts no timings.

How
    1. Creates a PostgreSQL database `pasar_bench_<random>`, seeds the catalog as bench/catalog.py does
       (markets of Malang, traders, products with tiers and photos), then buyers and couriers with access
       tokens signed with a fixed SECRET_KEY the server gets too, and gives each courier 10 accepted
       deliveries of real orders (so the queue has pickups, items and a route to compute).
    2. Starts two API processes (uvicorn, the real app); a one-process run sends to the first only. Order
       limits (rate,
       slot capacity, COD) are raised so that only a fault could refuse an order. The catalog page
       cache is as deployed (CATALOG_CACHE_SECONDS=5, one cache per process); --catalog-cache 0
       measures every page read from the database.
    3. The load generator is lean on purpose, so it leaves the CPU to the server: raw HTTP/1.1 keep-alive
       connections on asyncio streams (uvloop), request bodies prepared ahead, responses read by
       Content-Length. Each of --clients connections sends requests back to back for --seconds (after
       2 s of warm-up that is not counted).
       An answer that is not HTTP 200 or holds a GraphQL or user error counts as an error.
    4. Prints each run's requests/s as it ends; then for each process count, over its rounds, per
       operation: requests, p50, p99; in total: requests/s, errors, the CPU the driver itself used and the
       cores busy; then the two-process / one-process ratio of each round (runs a minute apart, on this
       VM whose speed drifts by tens of percent within minutes) and their median. Drops the database.

Run from the repository root:
    .venv/bin/python bench/load.py [--seconds 10] [--rounds 3] [--clients 32] [--products 2000]
        [--catalog-cache 5] [--mix browse=70,detail=15,cart=5,order=5,queue=5] [--processes 1,2]
"""

import argparse
import asyncio
import random
import resource
import secrets
import signal
import statistics
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import orjson
from strawberry import relay

from bench.catalog import (
    PG_BENCH_URL,
    CpuSample,
    CpuUse,
    Watched,
    create_database,
    drop_database,
    on_sigterm,
    prepare_database,
    run_driver,
    running_server,
)

SECRET_KEY = "pasar-bench-load-secret-key-not-for-production"
WIB_DAYS_AHEAD = 1
MIX = {"browse": 70, "detail": 15, "cart": 5, "order": 5, "queue": 5}
SERVER_ENV = {
    "SECRET_KEY": SECRET_KEY,
    "SLOT_CAPACITY": "10000000",
    "COD_MAX_TOTAL": "1000000000",
    "RATE_ORDERS_PER_MINUTE": "1000000",
    "RATE_UPLOADS_PER_MINUTE": "1000000",
    "ACCESS_TOKEN_MINUTES": "1440",
}

BROWSE = """query($m: ID!, $s: String, $sort: ProductSort) { products(first: 20, filter: {marketId: $m, search: $s},
sort: $sort) { edges { node { id name unit price { amount currency } minQuantity quantityStep stock isWeighed
stall { id name stallNumber } photos { url(size: THUMB, format: WEBP) } } } pageInfo { hasNextPage endCursor } } }"""
DETAIL = """query($id: ID!) { product(id: $id) { id name description unit price { amount currency } minQuantity
quantityStep stock isWeighed priceTiers { minQuantity price { amount } } category { name }
stall { id name stallNumber market { id name } }
photos { id status url(size: MEDIUM, format: WEBP) width height } } }"""
ADD = """mutation($input: CartItemInput!) { addToCart(input: $input) { cart { items { quantity } subtotal { amount } }
errors { code } } }"""
ORDER = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { number status total { amount } }
errors { code } } }"""
QUEUE = """{ myDeliveryQueue { id status distanceKm legKm codToCollect { amount }
order { number deliverySlot { window } }
pickups { stall { name stallNumber } ready items { productName quantity } } } }"""
SEARCHES = [None, None, None, "cabai", "beras", "bawang", "telur", "ayam", "tomat"]
SORTS = ["RELEVANCE", "NEWEST", "PRICE_ASC", "PRICE_DESC"]


@dataclass
class Person:
    id: int
    phone: str
    token: str


@dataclass
class World:
    market_ids: list[int]
    product_ids: list[int]
    market_gid: str
    lat: float
    lng: float
    orderable: list[tuple[int, str]]  # products of the first market: id, minimum quantity
    buyers: list[Person]
    couriers: list[Person]


async def seed_people(database_url: str, market_ids: list[int], buyers: int, couriers: int) -> World:
    from src import db
    from src.models.accounts import BuyerType, Role, User
    from src.models.catalog import Product
    from src.models.delivery import AssignmentStatus, DeliveryAssignment
    from src.models.markets import Market
    from src.models.orders import PaymentMethod, SlotWindow
    from src.services import orders as orders_service
    from src.services.tokens import create_access_token
    from src.settings import Settings

    settings = Settings(database_url=database_url, secret_key=SECRET_KEY, access_token_minutes=24 * 60,
                        slot_capacity=10_000_000, cod_max_total=10**9)  # fmt: skip
    await db.init_orm(settings)
    try:
        market = await Market.get(id=market_ids[0])
        await Product.filter(stall__market_id=market.id).update(stock=Decimal(10**7))
        orderable = [
            (int(p.id), str(p.min_quantity))
            for p in await Product.filter(stall__market_id=market.id, status="ACTIVE", stall__status="APPROVED",
                                          stall__is_open=True).limit(200)
        ]  # fmt: skip
        hashed = "bench-not-a-real-argon2-hash"
        people: list[Person] = []
        for n in range(buyers):
            user = await User.create(phone=f"+628127{n:07d}", name=f"Pembeli {n + 1}", role=Role.BUYER,
                                     buyer_type=BuyerType.HOUSEHOLD, password_hash=hashed)  # fmt: skip
            people.append(Person(user.id, user.phone, create_access_token(user, settings)))
        riders: list[Person] = []
        tomorrow = (datetime.now(orders_service.WIB) + timedelta(days=1)).date()
        for n in range(couriers):
            courier = await User.create(phone=f"+628126{n:07d}", name=f"Kurir {n + 1}", role=Role.COURIER,
                                        market=market, password_hash=hashed)  # fmt: skip
            riders.append(Person(courier.id, courier.phone, create_access_token(courier, settings)))
            for k in range(10):
                buyer = await User.get(id=people[(n * 10 + k) % len(people)].id)
                product_id, quantity = orderable[(n * 10 + k) % len(orderable)]
                request = orders_service.OrderRequest(
                    items=[orders_service.ItemInput(product_id, Decimal(quantity))],
                    address=orders_service.AddressInput(
                        line=f"Jl. Ijen No. {k + 1}", recipient_name="Bu Sri", recipient_phone="0812-3456-7890",
                        lat=float(market.latitude) + (k + 1) * 0.002, lng=float(market.longitude) + n * 0.001,
                    ),
                    slot=orders_service.SlotInput(date=tomorrow, window=SlotWindow.AFTERNOON),
                    payment_method=PaymentMethod.COD, note="", idempotency_key=f"seed-{n}-{k}",
                )  # fmt: skip
                order = await orders_service.place_order(actor=buyer, request=request, settings=settings)
                await DeliveryAssignment.create(order_id=order.id, courier_id=courier.id, market_id=market.id,
                                                status=AssignmentStatus.ACCEPTED, live_order_id=order.id,
                                                cod_expected=order.total)  # fmt: skip
        product_ids = [int(i) for i in await Product.filter(status="ACTIVE").limit(2000).values_list("id", flat=True)]  # type: ignore[call-overload]
        return World(
            market_ids=market_ids, product_ids=product_ids, market_gid=relay.to_base64("Market", market.id),
            lat=float(market.latitude), lng=float(market.longitude), orderable=orderable, buyers=people,
            couriers=riders,
        )  # fmt: skip
    finally:
        await db.close_orm()


# ---------------------------------------------------------------------------------------------------
# The lean driver
# ---------------------------------------------------------------------------------------------------


class Connection:
    """One HTTP/1.1 keep-alive connection speaking just enough HTTP for this server."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes, token: str | None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        head = (f"POST /graphql HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n{auth}\r\n").encode()  # fmt: skip
        self.writer.write(head + body)
        assert self.reader is not None
        header = await self.reader.readuntil(b"\r\n\r\n")
        status = int(header[9:12])
        length = 0
        for line in header.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


@dataclass
class Result:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: dict[str, bytes] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, other: "Result") -> None:
        for operation, values in other.latencies.items():
            self.latencies[operation].extend(values)
        for operation, count in other.errors.items():
            self.errors[operation] += count
        for operation, sample in other.samples.items():
            self.samples.setdefault(operation, sample)
        self.seconds += other.seconds


class Requests:
    """Request bodies for each operation, mostly prepared ahead (orders need a fresh key each)."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world, self.rng, self.counter = world, rng, 0
        gids = [relay.to_base64("Market", m) for m in world.market_ids]
        self.browse = [
            orjson.dumps({"query": BROWSE, "variables": {"m": rng.choice(gids), "s": rng.choice(SEARCHES),
                                                          "sort": rng.choice(SORTS)}})
            for _ in range(200)
        ]  # fmt: skip
        self.detail = [
            orjson.dumps({"query": DETAIL, "variables": {"id": relay.to_base64("Product", p)}})
            for p in rng.sample(world.product_ids, min(300, len(world.product_ids)))
        ]
        self.queue = orjson.dumps({"query": QUEUE})
        self.tomorrow = (datetime.now().date() + timedelta(days=WIB_DAYS_AHEAD)).isoformat()

    def make(self, operation: str) -> tuple[bytes, str | None]:
        rng, world = self.rng, self.world
        if operation == "browse":
            return rng.choice(self.browse), None
        if operation == "detail":
            return rng.choice(self.detail), None
        if operation == "queue":
            return self.queue, rng.choice(world.couriers).token
        buyer = rng.choice(world.buyers)
        product_id, quantity = rng.choice(world.orderable)
        item = {"productId": relay.to_base64("Product", product_id), "quantity": quantity}
        if operation == "cart":
            return orjson.dumps({"query": ADD, "variables": {"input": item}}), buyer.token
        self.counter += 1
        variables = {"input": {
            "items": [item],
            "address": {"line": "Jl. Kawi No. 1", "recipientName": "Bu Sri", "recipientPhone": buyer.phone,
                        "location": {"lat": world.lat + 0.004, "lng": world.lng}},
            "deliverySlot": {"date": self.tomorrow, "window": "AFTERNOON"},
            "paymentMethod": "COD",
            "idempotencyKey": f"load-{self.counter}-{secrets.token_hex(4)}",
        }}  # fmt: skip
        return orjson.dumps({"query": ORDER, "variables": variables}), buyer.token


def _failed(status: int, body: bytes) -> bool:
    return status != 200 or b'"errors":[{' in body


async def _client(
    base_url: str, requests: Requests, mix: dict[str, int], deadline: float, result: Result, rng: random.Random
) -> None:
    parts = urlsplit(base_url)
    connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80)
    operations, weights = list(mix), list(mix.values())
    try:
        while time.perf_counter() < deadline:
            operation = rng.choices(operations, weights)[0]
            body, token = requests.make(operation)
            started = time.perf_counter()
            status, answer = await connection.post(body, token)
            result.latencies[operation].append(time.perf_counter() - started)
            if _failed(status, answer):
                result.errors[operation] += 1
                result.samples.setdefault(operation, answer[:300])
    finally:
        await connection.close()


async def run_load(
    urls: list[str],
    world: World,
    mix: dict[str, int],
    clients: int,
    seconds: float,
    seed: int,
    watched: Watched,
    samples: list[CpuSample],
) -> Result:
    rng = random.Random(seed)
    requests = Requests(world, rng)
    result = Result()
    # A short warm-up (connections, caches, JIT-less but still: first-request costs), not counted.
    warm_up = time.perf_counter() + 2
    await asyncio.gather(
        *(_client(urls[n % len(urls)], requests, mix, warm_up, Result(), random.Random(n)) for n in range(clients))
    )
    samples.append(CpuSample.take(watched))
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _client(urls[n % len(urls)], requests, mix, deadline, result, random.Random(seed + n))
            for n in range(clients)
        )
    )
    result.seconds = time.perf_counter() - started
    samples.append(CpuSample.take(watched))
    return result


def _ms(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 if ordered else 0.0


def report(label: str, result: Result, driver_cpu: float) -> float:
    total = sum(len(v) for v in result.latencies.values())
    errors = sum(result.errors.values())
    rate = total / result.seconds
    print(f"\n{label}: {rate:,.0f} requests/s over {result.seconds:.0f} s, {total:,} requests, {errors} errors; "
          f"driver CPU {driver_cpu / result.seconds * 100:.0f} % of one core")  # fmt: skip
    print(f"  {'operation':<10}{'requests':>10}{'share':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for operation in sorted(result.latencies, key=list(MIX).index):
        values = result.latencies.get(operation, [])
        print(f"  {operation:<10}{len(values):>10,}{len(values) / max(total, 1) * 100:>7.0f}%"
              f"{_ms(values, 0.5):>9.1f}{_ms(values, 0.99):>9.1f}{result.errors.get(operation, 0):>8}")  # fmt: skip
    for operation, sample in result.samples.items():
        print(f"  first {operation} error: {sample.decode(errors='replace')}")
    return rate


CPU_FIELDS = ("server", "postgres", "driver", "other")


def _processes(count: int) -> str:
    return f"{count} API process{'es' if count > 1 else ''}"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per run (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each process count, taking turns (3)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--couriers", type=int, default=20)
    parser.add_argument(
        "--catalog-cache",
        type=float,
        default=5.0,
        help="CATALOG_CACHE_SECONDS of the API processes (default 5, as deployed; 0: off)",
    )
    parser.add_argument(
        "--mix",
        type=_mix,
        default=dict(MIX),
        help="operation weights, e.g. browse=70,detail=15 (default: the morning mix)",
    )
    parser.add_argument(
        "--processes",
        type=lambda v: [int(n) for n in v.split(",")],
        default=[1, 2],
        help="API process counts to run, e.g. 1 or 1,2 (default 1,2)",
    )
    return parser.parse_args(argv)


def _mix(value: str) -> dict[str, int]:
    weights = {}
    for part in value.split(","):
        operation, _, weight = part.partition("=")
        if operation not in MIX or not weight.isdigit():
            raise argparse.ArgumentTypeError(
                f"{part!r}: expected OPERATION=WEIGHT with OPERATION one of {', '.join(MIX)}"
            )
        weights[operation] = int(weight)
    if not any(weights.values()):
        raise argparse.ArgumentTypeError("at least one operation needs a weight above 0")
    return weights


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_sigterm)
    name = f"pasar_bench_{secrets.token_hex(4)}"
    database_url = PG_BENCH_URL.format(name=name)
    asyncio.run(create_database(name))
    try:
        print(f"database {name}: seeding {args.products:,} products, {args.buyers} buyers, {args.couriers} couriers …",
              flush=True)  # fmt: skip
        seeded = asyncio.run(prepare_database(database_url, args.products))
        world = asyncio.run(seed_people(database_url, seeded.market_ids, args.buyers, args.couriers))
        server_env = SERVER_ENV | {"CATALOG_CACHE_SECONDS": str(args.catalog_cache)}
        print(f"catalog page cache: {args.catalog_cache:g} s per API process", flush=True)
        with tempfile.TemporaryDirectory() as logs, ExitStack() as stack:
            # Separate processes on their own ports, the clients spread over them round robin as a load
            # balancer would (uvicorn --workers leaves it to the kernel which process accepts each
            # keep-alive connection, and an uneven split then lasts the whole run). All are started once; a
            # run with fewer leaves the others idle.
            servers = [
                stack.enter_context(running_server(database_url, Path(logs), app="src.app:create_app",
                                                   env=server_env, log_name=f"server-{n}.log"))
                for n in range(max(args.processes))
            ]  # fmt: skip
            watched = Watched(servers[0].process.pid, name)
            urls = [server.base_url for server in servers]
            totals = {processes: Result() for processes in args.processes}
            uses: dict[int, list[CpuUse]] = defaultdict(list)
            driver_cpu: dict[int, float] = defaultdict(float)
            rates: dict[int, list[float]] = defaultdict(list)
            # The configurations take turns, round after round, in alternating order (1, 2 then 2, 1): this
            # VM's speed drifts by tens of percent within minutes, carts and orders grow as the runs go on,
            # and taking turns puts both on each configuration alike.
            for round_index in range(args.rounds):
                for processes in args.processes[:: 1 if round_index % 2 == 0 else -1]:
                    holder: list[CpuSample] = []
                    before = _cpu()
                    result = run_driver(partial(run_load, urls[:processes], world, args.mix, args.clients,
                                                args.seconds, 7 + round_index, watched, holder))  # fmt: skip
                    driver_cpu[processes] += _cpu() - before
                    uses[processes].append(CpuUse.between(holder[0], holder[1], result.seconds))
                    rates[processes].append(sum(map(len, result.latencies.values())) / result.seconds)
                    totals[processes].add(result)
                    print(f"round {round_index + 1}, {_processes(processes)}: {rates[processes][-1]:,.0f} requests/s, "
                          f"{sum(result.errors.values())} errors", flush=True)  # fmt: skip
        for processes in args.processes:
            report(f"{_processes(processes)}, {args.clients} clients", totals[processes], driver_cpu[processes])
            use = CpuUse(*(statistics.fmean(getattr(u, f) for u in uses[processes]) for f in CPU_FIELDS))
            print(f"  cores busy: machine {use.server + use.postgres + use.driver + use.other:.2f} of 2, "
                  f"PostgreSQL {use.postgres:.2f}, driver {use.driver:.2f}, API processes and the rest "
                  f"{use.server + use.other:.2f}")  # fmt: skip
        if 1 in rates and 2 in rates:
            ratios = [two / one for one, two in zip(rates[1], rates[2], strict=True)]
            overall = [sum(map(len, totals[n].latencies.values())) / totals[n].seconds for n in (1, 2)]
            print(f"\nthroughput, two processes / one: {overall[1] / overall[0]:.2f}× over all rounds "
                  f"(target ≥ 1.3×); round by round {', '.join(f'{r:.2f}×' for r in ratios)}, "
                  f"median {statistics.median(ratios):.2f}×")  # fmt: skip
    finally:
        asyncio.run(drop_database(name))


if __name__ == "__main__":
    main()

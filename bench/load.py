"""A mixed morning load through the real HTTP API, with one API process and then two.

Requests/s, p50/p99 per operation and errors of the morning's mix: catalog browsing 70 %, product detail
15 %, addToCart 5 %, placeOrder 5 %, a courier's delivery queue 5 % (each courier has 10 accepted
deliveries of real orders), against one uvicorn process and against two on two ports (the connections
spread round robin, as a load balancer does), taking turns for --rounds rounds (1, 2, then 2, 1, …): the
two / one ratio round by round and its median. Order limits are raised; the catalog page cache is as
deployed (5 s per process; --catalog-cache 0: off). The driver is lean so it leaves the CPU to the
servers: raw HTTP/1.1 keep-alive connections on asyncio streams, bodies prepared ahead, 2 s of warm-up.

    .venv/bin/python bench/load.py [--seconds 10] [--rounds 3] [--clients 32] [--products 2000]
        [--catalog-cache 5] [--mix browse=70,detail=15,cart=5,order=5,queue=5] [--processes 1,2]
"""

import argparse
import asyncio
import os
import random
import secrets
import statistics
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from time import perf_counter
from typing import Any

import orjson
from strawberry import relay

from bench.harness import cli, database, driver, report, seeding, servers
from bench.harness.cpu import CpuUse, Meter, Watched
from src.models.accounts import Role
from src.models.catalog import Product
from src.models.delivery import AssignmentStatus, DeliveryAssignment
from src.models.markets import Market
from src.services import orders as orders_service

MIX = {"browse": 70, "detail": 15, "cart": 5, "order": 5, "queue": 5}
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
class World:
    market_ids: list[int]
    product_ids: list[int]
    lat: float
    lng: float
    orderable: list[tuple[int, str]]  # products of the first market: id, minimum quantity
    buyers: list[seeding.Person]
    couriers: list[seeding.Person]


async def seed_world(settings: Any, args: Any) -> World:
    """The catalog, buyers, couriers, and 10 accepted deliveries of real orders per courier."""
    market_ids = (await seeding.seed_catalog(args.products)).market_ids
    market = await Market.get(id=market_ids[0])
    await Product.filter(stall__market_id=market.id).update(stock=Decimal(10**7))
    live = Product.filter(stall__market_id=market.id, status="ACTIVE", stall__status="APPROVED", stall__is_open=True)
    orderable = [(int(p.id), str(p.min_quantity)) for p in await live.limit(200)]
    buyers = await seeding.users(args.buyers)
    couriers = await seeding.users(args.couriers, role=Role.COURIER, phone="+628126", name="Kurir", market=market)
    lat, lng = float(market.latitude), float(market.longitude)
    for n, k in ((n, k) for n in range(len(couriers)) for k in range(10)):
        buyer = buyers[(n * 10 + k) % len(buyers)].user
        product_id, quantity = orderable[(n * 10 + k) % len(orderable)]
        where: dict[str, Any] = {"lat": lat + (k + 1) * 0.002, "lng": lng + n * 0.001, "line": "Jl. Ijen"}
        request = seeding.order_request([(product_id, Decimal(quantity))], buyer, f"seed-{n}-{k}", **where)
        order = await orders_service.place_order(actor=buyer, request=request, settings=settings)
        delivery: dict[str, Any] = {
            "courier_id": couriers[n].id,
            "market_id": market.id,
            "status": AssignmentStatus.ACCEPTED,
        }
        await DeliveryAssignment.create(order_id=order.id, live_order_id=order.id, cod_expected=order.total, **delivery)
    product_ids = [int(i) for i in await Product.filter(status="ACTIVE").limit(2000).values_list("id", flat=True)]  # type: ignore[call-overload]
    return World(market_ids, product_ids, lat, lng, orderable, buyers, couriers)


class Connection:
    """One HTTP/1.1 keep-alive connection speaking just enough HTTP for this server."""

    def __init__(self, base_url: str) -> None:
        self.host, self.port = base_url.removeprefix("http://").split(":")
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, body: bytes, token: str | None) -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, int(self.port))
        reader, writer = self.streams
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        head = f"POST /graphql HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
        writer.write(f"{head}Content-Length: {len(body)}\r\n{auth}\r\n".encode() + body)
        header = await reader.readuntil(b"\r\n\r\n")
        length = next((int(line[15:]) for line in header.split(b"\r\n") if line[:15].lower() == b"content-length:"), 0)
        return int(header[9:12]), await reader.readexactly(length)

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


class Requests:
    """Request bodies for each operation, mostly prepared ahead (orders need a fresh key each)."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world, self.rng, self.counter = world, rng, 0
        gids = [relay.to_base64("Market", m) for m in world.market_ids]
        browse = ({"m": rng.choice(gids), "s": rng.choice(SEARCHES), "sort": rng.choice(SORTS)} for _ in range(200))
        self.browse = [orjson.dumps({"query": BROWSE, "variables": variables}) for variables in browse]
        ids = [relay.to_base64("Product", p) for p in rng.sample(world.product_ids, min(300, len(world.product_ids)))]
        self.detail = [orjson.dumps({"query": DETAIL, "variables": {"id": gid}}) for gid in ids]
        self.queue = orjson.dumps({"query": QUEUE})

    def make(self, operation: str) -> tuple[bytes, str | None]:
        rng, world = self.rng, self.world
        if operation in ("browse", "detail"):
            return rng.choice(getattr(self, operation)), None
        if operation == "queue":
            return self.queue, rng.choice(world.couriers).token
        buyer, (product_id, quantity) = rng.choice(world.buyers), rng.choice(world.orderable)
        if operation == "cart":
            item = {"productId": relay.to_base64("Product", product_id), "quantity": quantity}
            return orjson.dumps({"query": ADD, "variables": {"input": item}}), buyer.token
        self.counter += 1
        key, where = f"load-{self.counter}-{secrets.token_hex(4)}", {"lat": world.lat + 0.004, "lng": world.lng}
        order = seeding.order_input([(product_id, quantity)], buyer, key, line="Jl. Kawi No. 1", **where)
        return orjson.dumps({"query": ORDER, "variables": {"input": order}}), buyer.token


async def run_clients(urls: list[str], requests: Requests, args: Any, seconds: float, seed: int) -> driver.Tally:
    """Each client on its own connection (spread over `urls`), picking operations by weight."""
    tally, connections = driver.Tally(), [Connection(urls[n % len(urls)]) for n in range(args.clients)]
    rngs = [random.Random(seed + n) for n in range(args.clients)]

    async def step(index: int) -> None:
        operation = rngs[index].choices(list(args.mix), list(args.mix.values()))[0]
        body, token = requests.make(operation)
        started = perf_counter()
        status, answer = await connections[index].post(body, token)
        failed = status != 200 or b'"errors":[{' in answer
        tally.record(operation, perf_counter() - started, answer[:300].decode(errors="replace") if failed else None)

    try:
        tally.seconds = await driver.bounded(args.clients, seconds, step)
    finally:
        for connection in connections:
            connection.close()
    return tally


async def run_load(urls: list[str], world: World, args: Any, seed: int, watched: Watched) -> driver.Tally:
    requests = Requests(world, random.Random(seed))
    await run_clients(urls, requests, args, 2, 0)  # a short warm-up (connections, caches, first-request costs)
    meter = Meter(watched)
    tally = await run_clients(urls, requests, args, args.seconds, seed)
    tally.cpu = meter.use()[1]
    return tally


COLUMNS = [("operation", "<10"), ("requests", ">10,"), ("share %", ">8.0f"), ("p50 ms", ">9.1f"), ("p99 ms", ">9.1f")]
COLUMNS += [("errors", ">8")]


@dataclass
class Runs:
    """One process count's runs: their requests, CPU use, rates and the driver's own CPU (warm-ups included)."""

    tally: driver.Tally = field(default_factory=driver.Tally)
    uses: list[CpuUse] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    driver_cpu: float = 0.0

    def print(self, label: str) -> None:
        result, total, errors = self.tally, self.tally.count(), sum(self.tally.errors.values())
        driver_share = self.driver_cpu / result.seconds * 100
        print(
            f"\n{label}: {result.rate(total):,.0f} requests/s over {result.seconds:.0f} s, {total:,} requests, "
            f"{errors} errors; driver CPU {driver_share:.0f} % of one core"
        )
        latencies, most = sorted(result.latencies.items(), key=lambda kv: list(MIX).index(kv[0])), max(total, 1)
        rows = [[op, len(v), len(v) / most * 100, *report.percentiles_ms(v), result.errors[op]] for op, v in latencies]
        report.table(COLUMNS, rows, indent="  ")
        for operation, sample in result.samples.items():
            print(f"  first {operation} error: {sample}")
        server, postgres, driver_, other = (statistics.fmean(getattr(u, f) for u in self.uses) for f in vars(CpuUse()))
        print(
            f"  cores busy: machine {server + postgres + driver_ + other:.2f} of 2, PostgreSQL {postgres:.2f}, "
            f"driver {driver_:.2f}, API processes and the rest {server + other:.2f}"
        )


def _processes(count: int) -> str:
    return f"{count} API process{'es' if count > 1 else ''}"


def _mix(value: str) -> dict[str, int]:
    weights = {}
    for part in value.split(","):
        operation, _, weight = part.partition("=")
        if operation not in MIX or not weight.isdigit():
            raise argparse.ArgumentTypeError(f"{part!r}: expected OPERATION=WEIGHT, OPERATION one of {', '.join(MIX)}")
        weights[operation] = int(weight)
    if not any(weights.values()):
        raise argparse.ArgumentTypeError("at least one operation needs a weight above 0")
    return weights


def take_turns(args: Any, started: list[servers.Process], world: World) -> dict[int, Runs]:
    """The configurations take turns, round after round, in alternating order (1, 2 then 2, 1): this VM's speed
    drifts by tens of percent within minutes, carts and orders grow as the runs go on, and taking turns puts
    both on each configuration alike."""
    urls, runs = [server.base_url for server in started], {processes: Runs() for processes in args.processes}
    for round_index in range(args.rounds):
        for processes in args.processes[:: 1 if round_index % 2 == 0 else -1]:
            before, these = sum(os.times()[:2]), runs[processes]
            result = driver.run_driver(run_load, urls[:processes], world, args, 7 + round_index, started[0].watched)
            these.driver_cpu += sum(os.times()[:2]) - before
            these.uses.append(result.cpu)
            these.rates.append(result.rate(result.count()))
            these.tally.add(result)
            label, errors = f"round {round_index + 1}, {_processes(processes)}", sum(result.errors.values())
            print(f"{label}: {these.rates[-1]:,.0f} requests/s, {errors} errors", flush=True)
    return runs


def main(args: Any) -> None:
    doing = f"seeding {args.products:,} products, {args.buyers} buyers, {args.couriers} couriers"
    with database.bench_database(doing) as url:
        world = database.seeded(url, seed_world, args, **database.NO_LIMITS)
        print(f"catalog page cache: {args.catalog_cache:g} s per API process", flush=True)
        env = servers.UNLIMITED | {"CATALOG_CACHE_SECONDS": str(args.catalog_cache)}
        with ExitStack() as stack:
            # Separate processes on their own ports, the clients spread over them round robin as a load
            # balancer would (uvicorn --workers leaves it to the kernel which process accepts each
            # keep-alive connection, and an uneven split then lasts the whole run). All are started once; a
            # run with fewer leaves the others idle.
            start = (servers.running_server(url, env=env, name=f"server-{n}") for n in range(max(args.processes)))
            runs = take_turns(args, [stack.enter_context(server) for server in start], world)
        for processes, these in runs.items():
            these.print(f"{_processes(processes)}, {args.clients} clients")
        if 1 in runs and 2 in runs:
            ratios = [two / one for one, two in zip(runs[1].rates, runs[2].rates, strict=True)]
            overall = [runs[n].tally.rate(runs[n].tally.count()) for n in (1, 2)]
            print(
                f"\nthroughput, two processes / one: {overall[1] / overall[0]:.2f}× over all rounds "
                f"(target ≥ 1.3×); round by round {', '.join(f'{r:.2f}×' for r in ratios)}, "
                f"median {statistics.median(ratios):.2f}×"
            )


if __name__ == "__main__":
    cli.run(
        main,
        cli.Option("--seconds", 10.0, "per run"),
        cli.Option("--rounds", 3, "runs of each process count, taking turns"),
        cli.Option("--clients", 32, "concurrent keep-alive connections"),
        cli.Option("--products", 2000, "products to seed"),
        cli.Option("--buyers", 200, "buyers to seed"),
        cli.Option("--couriers", 20, "couriers to seed, 10 deliveries each"),
        cli.Option("--catalog-cache", 5.0, "CATALOG_CACHE_SECONDS of the API processes (as deployed; 0: off)"),
        cli.Option("--mix", dict(MIX), "operation weights, e.g. browse=70,detail=15, or the morning mix", type=_mix),
        cli.Option("--processes", [1, 2], "API process counts: 1 or 1,2", type=lambda v: [*map(int, v.split(","))]),
    )

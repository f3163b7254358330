"""Placing orders under contention: throughput, latency, overselling and idempotency of `placeOrder`.

Orders/s and p50/p99 latency of ONE uvicorn process of the real app while N buyers (keep-alive clients
with signed tokens) race for a few HOT products of Pasar Besar (every placement locks the products' rows,
so racing buyers queue), with limits raised so that only stock refuses an order; then, read from the
database itself, whether the order service's two promises held:
- stock never goes below zero and never drifts: initial − units ordered (orders not cancelled) = final
  ≥ 0 for every hot product ("oversell: 0");
- one idempotency key, one order: phase 2 (new hot products) sends every request twice at once over two
  connections, same key and input; both answers must name the same order and the database must hold one
  order per (buyer, key) ("duplicate orders: 0").
Orders are 1–2 hot products × 1–2 units, COD, tomorrow AFTERNOON, a fresh key each.

    .venv/bin/python bench/orders.py [--seconds 15] [--buyers 64] [--hot 5] [--stock 200]
"""

import asyncio
import itertools
import random
import secrets
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import orjson

from bench.harness import cli, database, driver, report, seeding, servers
from bench.harness.cpu import idle_load
from src.models.catalog import Category
from src.models.markets import Market
from src.services.common.i18n import plain

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
PLACED, OUT_OF_STOCK, GRAPHQL_ERROR, HTTP_ERROR = "placed", "OUT_OF_STOCK", "GraphQL error", "HTTP error"
PHASES = [  # tag (the prefix of the phase's keys), title, whether every request is sent twice at once
    ("p1", "phase 1: every order sent once", False),
    ("p2", "phase 2: every order sent twice at once, same idempotency key", True),
]


@dataclass
class Phase:
    tag: str  # the prefix of its idempotency keys
    title: str
    twice: bool  # send every request twice at once, same key and input
    products: list[int] = field(default_factory=list)  # its hot products
    tally: driver.Tally = field(default_factory=driver.Tally)  # latencies per kind of answer
    last_placed_at: float = 0.0  # seconds after the start
    placed: dict[tuple[int, str], str] = field(default_factory=dict)  # (buyer, key) → order number answered
    pairs: Counter[str] = field(default_factory=Counter)  # phase 2: how the two answers of a pair compare
    pair_samples: dict[str, str] = field(default_factory=dict)
    # Read from the database afterwards: (name, initial, ordered, final) per hot product, the order numbers
    # per (buyer, key) of the phase's keys, and how many of those orders are cancelled.
    stock: list[tuple[str, Decimal, Decimal, Decimal]] = field(default_factory=list)
    per_key: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    cancelled: int = 0

    async def check(self, initial: int) -> None:
        rows = await database.rows(STOCK_SQL, [self.products])
        self.stock = [(r["name"], Decimal(initial), r["ordered"], r["stock"]) for r in rows]
        for order in await database.rows(ORDERS_SQL, [f"{self.tag}-"]):
            self.per_key.setdefault((order["buyer_id"], order["idempotency_key"]), []).append(order["number"])
            self.cancelled += order["status"] == "CANCELLED"


@dataclass
class World:
    """What the seed wrote, for the driver and the checks."""

    market: Market
    buyers: list[seeding.Person]
    phases: list[Phase]


async def seed_world(settings: Any, args: Any) -> World:
    market, category = await Market.get(slug="pasar-besar"), await Category.get(slug="sembako")
    stalls = [await seeding.stall(market, n, f"Toko Sembako Laris {n + 1}") for n in range(3)]
    phases, limited = [Phase(*phase) for phase in PHASES], {"stock": args.stock, "description": "Stok terbatas."}
    for phase, n in ((phase, n) for phase in phases for n in range(args.hot)):
        name = f"Minyak goreng promo {phase.tag.upper()}-{n + 1}"
        phase.products.append(await seeding.product(stalls[n % 3], category, name, price=25_000, **limited))
    return World(market, await seeding.users(args.buyers), phases)


async def send(client: httpx.AsyncClient, body: bytes) -> tuple[str, str, float]:
    """(kind, text, seconds): PLACED with the order number, or OUT_OF_STOCK, another code or an error with
    the answer."""
    response, latency, failure = await driver.timed(client, "POST", "/graphql", body)
    if response is None:
        return HTTP_ERROR, failure, latency
    text = response.text[:600]
    if response.status_code != 200:
        return HTTP_ERROR, f"HTTP {response.status_code}: {text}", latency
    try:
        document = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return HTTP_ERROR, f"HTTP 200, not JSON: {text}", latency
    payload = (document.get("data") or {}).get("placeOrder")
    if document.get("errors") or payload is None:
        return GRAPHQL_ERROR, text, latency
    if codes := [e["code"] for e in payload["errors"]]:
        return (OUT_OF_STOCK if OUT_OF_STOCK in codes else codes[0]), text, latency
    if payload["order"] is None:
        return GRAPHQL_ERROR, f"neither an order nor errors: {text}", latency
    return PLACED, payload["order"]["number"], latency


def _pair_outcome(first: tuple[str, str, float], second: tuple[str, str, float]) -> str:
    kinds = sorted([first[0], second[0]])
    if kinds == [PLACED, PLACED]:
        return "both placed, same order" if first[1] == second[1] else "both placed, DIFFERENT orders"
    if PLACED in kinds:
        return f"one placed, the other {kinds[0] if kinds[1] == PLACED else kinds[1]}"
    return "both refused" if first[0] == second[0] else "both refused, differently"


async def run_phase(pool: list[list[httpx.AsyncClient]], world: World, phase: Phase, args: Any, watched: Any) -> None:
    products, buyers = phase.products, world.buyers
    lat, lng = round(float(world.market.latitude) + 0.005, 6), float(world.market.longitude)
    rngs = [random.Random(f"{phase.tag}-{index}") for index in range(len(buyers))]
    sequences = [itertools.count(1) for _ in buyers]
    started = time.perf_counter()

    async def step(tally: driver.Tally, index: int) -> None:
        buyer, rng = buyers[index], rngs[index]
        key = f"{phase.tag}-{buyer.id}-{next(sequences[index])}-{secrets.token_hex(4)}"
        items = [(pk, str(rng.randint(1, 2))) for pk in rng.sample(products, rng.randint(1, min(2, len(products))))]
        order = seeding.order_input(items, buyer, key, lat=lat, lng=lng)
        body = orjson.dumps({"query": PLACE_ORDER, "variables": {"input": order}})
        answers = await asyncio.gather(*(send(client, body) for client in pool[index][: 1 + phase.twice]))
        if phase.twice:
            phase.pairs[outcome := _pair_outcome(*answers)] += 1
            if outcome not in ("both placed, same order", "both refused"):
                phase.pair_samples.setdefault(outcome, " | ".join(text for _, text, _ in answers))
        for kind, text, latency in answers:
            tally.record(kind, latency, None if kind == PLACED else text)
            if kind == PLACED:
                phase.last_placed_at, phase.placed[(buyer.id, key)] = time.perf_counter() - started, text

    phase.tally = await driver.measured(len(buyers), args.seconds, step, watched)


def consistent(initial: Decimal, ordered: Decimal, final: Decimal) -> bool:
    return final >= 0 and initial - ordered == final


async def measure(server: servers.Process, url: str, world: World, args: Any) -> float:
    async with AsyncExitStack() as stack, database.orm(url):
        # Two clients (keep-alive connections) per buyer, so that phase 2's pair really races.
        auth = [{"authorization": f"Bearer {buyer.token}"} for buyer in world.buyers]
        pool = [await driver.clients(stack, server.base_url, 2, headers) for headers in auth]
        idle = await idle_load(server.watched)
        for phase in world.phases:
            print(f"  {phase.title}: {args.seconds:g} s …", flush=True)
            await run_phase(pool, world, phase, args, server.watched)
            await phase.check(args.stock)
    return idle


def report_phase(phase: Phase) -> None:
    tally, stock, per_key = phase.tally, phase.stock, phase.per_key
    answers = {kind: len(values) for kind, values in tally.latencies.items()}
    requests, placed = tally.count(), answers.get(PLACED, 0)
    others = {k: v for k, v in answers.items() if k not in (PLACED, OUT_OF_STOCK, GRAPHQL_ERROR, HTTP_ERROR)}
    print(f"\n{phase.title}\n{'-' * len(phase.title)}")
    print(
        f"requests {requests:,} in {tally.seconds:.1f} s ({tally.rate(requests):.1f}/s): placed {placed:,}, "
        f"OUT_OF_STOCK {answers.get(OUT_OF_STOCK, 0):,}, other errors {sum(others.values())} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(others.items())) or 'none'}), "
        f"GraphQL errors {answers.get(GRAPHQL_ERROR, 0)}, HTTP errors {answers.get(HTTP_ERROR, 0)}"
    )
    until, placements = phase.last_placed_at, len(phase.placed)  # in phase 2 a pair's answers are one placement
    print(
        f"orders/s: {tally.rate(placements):.1f} over the phase; the last order was placed after {until:.1f} s "
        f"({report.ratio(placements, until):.1f} orders/s until then)"
    )
    print(f"latency: all requests {report.p50_p99(tally.every())}; placed {report.p50_p99(tally.latencies[PLACED])}")
    server_ms = tally.cpu.server_ms_per(tally.seconds, requests)
    print(f"CPU cores: {tally.cpu.cores()}; server CPU per request {server_ms:.1f} ms")
    if phase.twice:
        print(f"pairs (same key, same input, sent at once): {sum(phase.pairs.values()):,}")
        for outcome, count in phase.pairs.most_common():
            print(f"  {outcome}: {count:,}")
    print(f"{'product':<34}{'initial':>9}{'ordered':>9}{'final':>9}  initial − ordered = final ≥ 0")
    for name, *amounts in stock:
        print(f"{name:<34}{''.join(f'{plain(a):>9}' for a in amounts)}  {'yes' if consistent(*amounts) else 'NO'}")
    beyond = sum((max(Decimal(0), ordered - initial) for _, initial, ordered, _ in stock), Decimal(0))
    failing = sum(not consistent(*s[1:]) for s in stock)
    print(f"oversell: {failing} (products failing the check; units ordered beyond stock: {plain(beyond)})")
    print(
        f"orders in the database: {sum(map(len, per_key.values())):,} ({phase.cancelled} cancelled); distinct keys "
        f"answered with an order: {placements:,}; distinct (buyer, key) in the database: {len(per_key):,}"
    )
    duplicates = sum(len(numbers) - 1 for numbers in per_key.values())
    if phase.twice or duplicates:
        print(f"duplicate orders: {duplicates}" + ("" if phase.twice else " (phase 1 sends every key once!)"))
    differ = sum(1 for key, number in phase.placed.items() if key in per_key and number not in per_key[key])
    missing = sum(1 for key in phase.placed if key not in per_key)  # answered, but not in the database
    unanswered = sum(1 for key in per_key if key not in phase.placed)  # stored, no answer said so (a timeout)
    if differ or missing or unanswered:
        print(
            f"MISMATCH: answered numbers not the database's {differ}, answered orders missing from the "
            f"database {missing}, stored orders never answered {unanswered}"
        )
    else:
        print("every order answered is in the database with the number answered, and nothing else is")
    for kind, text in [*tally.samples.items(), *(("pair, " + k, v) for k, v in phase.pair_samples.items())]:
        print(f"sample {kind}: {text}")


def main(args: Any) -> None:
    with database.bench_database(f"seeding {args.buyers} buyers") as url:
        world = database.seeded(url, seed_world, args)
        with servers.running_server(url, env=servers.UNLIMITED) as server:
            idle = driver.run_driver(measure, server, url, world, args)
            log_tail = server.log_tail(12)
        print(
            f"\nplaceOrder under contention: 1 uvicorn process, {len(world.buyers)} buyers, {args.seconds:g} s "
            f"per phase, {report.cpus()}"
        )
        print(
            f"seeded: {world.market.name}, 3 stalls; per phase {args.hot} hot products × {args.stock} units "
            f"({args.hot * args.stock:,} units); orders of 1–2 products × 1–2 units, COD, tomorrow AFTERNOON"
        )
        print(f"before the run, other programs kept {idle:.2f} cores busy")
        for phase in world.phases:
            report_phase(phase)
        if log_tail.strip():
            print(f"\nserver log (last lines):\n{log_tail}")


if __name__ == "__main__":
    cli.run(
        main,
        cli.Option("--seconds", 15.0, "measuring time per phase", ">0"),
        cli.Option("--buyers", 64, "concurrent buyers", ">0"),
        cli.Option("--hot", 5, "hot products per phase", ">0"),
        cli.Option("--stock", 200, "initial stock of each hot product", ">=0"),
    )

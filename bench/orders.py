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
from bench.harness.cpu import CpuUse, Meter, Watched, idle_load
from src.models.catalog import Category
from src.models.markets import Market

PRICE = 25_000  # rupiah per unit of every hot product
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


@dataclass
class World:
    """What the seed wrote, for the driver and the checks."""

    market: str
    lat: float
    lng: float
    buyers: list[seeding.Person]
    hot: dict[str, list[int]]  # phase tag → its hot products' ids


async def seed_world(settings: Any, args: Any, phases: list[str]) -> World:
    market = await Market.get(slug="pasar-besar")
    category = await Category.get(slug="sembako")
    stalls = [await seeding.stall(market, n, f"Toko Sembako Laris {n + 1}") for n in range(3)]
    hot: dict[str, list[int]] = {tag: [] for tag in phases}
    for tag, n in ((tag, n) for tag in phases for n in range(args.hot)):
        name, stall = f"Minyak goreng promo {tag.upper()}-{n + 1}", stalls[n % 3]
        pk = await seeding.product(stall, category, name, price=PRICE, stock=args.stock, description="Stok terbatas.")
        hot[tag].append(pk)
    buyers = await seeding.users(args.buyers)
    return World(market.name, float(market.latitude), float(market.longitude), buyers, hot)


@dataclass(frozen=True)
class Phase:
    tag: str  # prefix of the phase's idempotency keys
    title: str
    products: list[int]
    twice: bool  # send every request twice at once, same key and input


@dataclass
class PhaseResult:
    phase: Phase
    tally: driver.Tally = field(default_factory=driver.Tally)  # latencies per kind of answer
    last_placed_at: float = 0.0  # seconds after the start
    placed: dict[tuple[int, str], str] = field(default_factory=dict)  # (buyer, key) → order number answered
    pairs: Counter[str] = field(default_factory=Counter)  # phase 2: how the two answers of a pair compare
    pair_samples: dict[str, str] = field(default_factory=dict)
    cpu: CpuUse = field(default_factory=CpuUse)


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


async def run_phase(
    pool: list[list[httpx.AsyncClient]], world: World, phase: Phase, seconds: float, watched: Watched
) -> PhaseResult:
    result, meter = PhaseResult(phase), Meter(watched)
    rngs = [random.Random(f"{phase.tag}-{index}") for index in range(len(world.buyers))]
    sequences = [0] * len(world.buyers)

    async def step(index: int) -> None:
        buyer, rng, tally = world.buyers[index], rngs[index], result.tally
        sequences[index] += 1
        key = f"{phase.tag}-{buyer.id}-{sequences[index]}-{secrets.token_hex(4)}"
        chosen = rng.sample(phase.products, rng.randint(1, min(2, len(phase.products))))
        items = [(pk, str(rng.randint(1, 2))) for pk in chosen]
        line, lat = f"Jl. Kawi No. {buyer.id % 200 + 1}", round(world.lat + 0.005, 6)
        order = seeding.order_input(items, phone=buyer.phone, lat=lat, lng=world.lng, key=key, line=line)
        body = orjson.dumps({"query": PLACE_ORDER, "variables": {"input": order}})
        clients = pool[index]
        if phase.twice:
            answers = list(await asyncio.gather(send(clients[0], body), send(clients[1], body)))
            outcome = _pair_outcome(*answers)
            result.pairs[outcome] += 1
            if outcome not in ("both placed, same order", "both refused"):
                result.pair_samples.setdefault(outcome, " | ".join(text for _, text, _ in answers))
        else:
            answers = [await send(clients[0], body)]
        for kind, text, latency in answers:
            tally.record(kind, latency, None if kind == PLACED else text)
            if kind == PLACED:
                result.last_placed_at = time.perf_counter() - meter.started
                result.placed[(buyer.id, key)] = text

    await driver.bounded(len(world.buyers), seconds, step)
    result.tally.seconds, result.cpu = meter.use()
    return result


def consistent(initial: Decimal, ordered: Decimal, final: Decimal) -> bool:
    return final >= 0 and initial - ordered == final


Checked = tuple[list[tuple[str, Decimal, Decimal, Decimal]], dict[tuple[int, str], list[str]], int]


async def check_phase(result: PhaseResult, initial: int) -> Checked:
    """Read from the database: (name, initial, ordered, final) per hot product; the order numbers per
    (buyer, key) of the phase's keys; how many of those orders are cancelled."""
    rows = await database.rows(STOCK_SQL, [result.phase.products])
    per_key: dict[tuple[int, str], list[str]] = {}
    cancelled = 0
    for order in await database.rows(ORDERS_SQL, [f"{result.phase.tag}-"]):
        per_key.setdefault((order["buyer_id"], order["idempotency_key"]), []).append(order["number"])
        cancelled += order["status"] == "CANCELLED"
    return [(r["name"], Decimal(initial), r["ordered"], r["stock"]) for r in rows], per_key, cancelled


async def measure(
    base_url: str, url: str, world: World, phases: list[Phase], args: Any, watched: Watched
) -> tuple[CpuUse, list[tuple[PhaseResult, Checked]]]:
    async with AsyncExitStack() as stack, database.orm(url):
        # Two clients (keep-alive connections) per buyer, so that phase 2's pair really races.
        pool = [await driver.clients(stack, base_url, 2, {"authorization": f"Bearer {b.token}"}) for b in world.buyers]
        idle = await idle_load(watched)
        done = []
        for phase in phases:
            print(f"  {phase.title}: {args.seconds:g} s …", flush=True)
            result = await run_phase(pool, world, phase, args.seconds, watched)
            done.append((result, await check_phase(result, args.stock)))
    return idle, done


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def report_phase(result: PhaseResult, checked: Checked) -> None:
    phase, tally = result.phase, result.tally
    answers = {kind: len(values) for kind, values in tally.latencies.items()}
    requests, placed = tally.count(), answers.get(PLACED, 0)
    others = {k: v for k, v in answers.items() if k not in (PLACED, OUT_OF_STOCK, GRAPHQL_ERROR, HTTP_ERROR)}
    print(f"\n{phase.title}\n{'-' * len(phase.title)}")
    print(f"requests {requests:,} in {tally.seconds:.1f} s ({tally.rate(requests):.1f}/s): placed {placed:,}, "
          f"OUT_OF_STOCK {answers.get(OUT_OF_STOCK, 0):,}, other errors {sum(others.values())} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(others.items())) or 'none'}), "
          f"GraphQL errors {answers.get(GRAPHQL_ERROR, 0)}, HTTP errors {answers.get(HTTP_ERROR, 0)}")  # fmt: skip
    until, placements = result.last_placed_at, len(result.placed)  # in phase 2 a pair's answers are one placement
    print(f"orders/s: {tally.rate(placements):.1f} over the phase; the last order was placed after {until:.1f} s "
          f"({report.ratio(placements, until):.1f} orders/s until then)")  # fmt: skip
    print(f"latency: all requests {report.p50_p99(tally.every())}; placed {report.p50_p99(tally.latencies[PLACED])}")
    cpu = result.cpu
    print(f"CPU cores: server {cpu.server:.2f}, postgres {cpu.postgres:.2f}, driver {cpu.driver:.2f}, other "
          f"{cpu.other:.2f}; server CPU per request {cpu.server_ms_per(tally.seconds, requests):.1f} ms")  # fmt: skip
    if phase.twice:
        print(f"pairs (same key, same input, sent at once): {sum(result.pairs.values()):,}")
        for outcome, count in result.pairs.most_common():
            print(f"  {outcome}: {count:,}")
    print(f"{'product':<34}{'initial':>9}{'ordered':>9}{'final':>9}  initial − ordered = final ≥ 0")
    for name, *amounts in checked[0]:
        print(f"{name:<34}{''.join(f'{_plain(a):>9}' for a in amounts)}  {'yes' if consistent(*amounts) else 'NO'}")
    stock, per_key, cancelled = checked
    beyond = sum((max(Decimal(0), ordered - initial) for _, initial, ordered, _ in stock), Decimal(0))
    print(f"oversell: {sum(not consistent(*s[1:]) for s in stock)} (products failing the check; "
          f"units ordered beyond stock: {_plain(beyond)})")  # fmt: skip
    print(f"orders in the database: {sum(map(len, per_key.values())):,} ({cancelled} cancelled); distinct keys "
          f"answered with an order: {placements:,}; distinct (buyer, key) in the database: "
          f"{len(per_key):,}")  # fmt: skip
    duplicates = sum(len(numbers) - 1 for numbers in per_key.values())
    if phase.twice or duplicates:
        print(f"duplicate orders: {duplicates}" + ("" if phase.twice else " (phase 1 sends every key once!)"))
    differ = sum(1 for key, number in result.placed.items() if key in per_key and number not in per_key[key])
    missing = sum(1 for key in result.placed if key not in per_key)  # answered, but not in the database
    unanswered = sum(1 for key in per_key if key not in result.placed)  # stored, no answer said so (a timeout)
    if differ or missing or unanswered:
        print(f"MISMATCH: answered numbers not the database's {differ}, answered orders missing from the "
              f"database {missing}, stored orders never answered {unanswered}")  # fmt: skip
    else:
        print("every order answered is in the database with the number answered, and nothing else is")
    for kind, text in tally.samples.items():
        print(f"sample {kind}: {text}")
    for outcome, text in result.pair_samples.items():
        print(f"sample pair, {outcome}: {text}")


def main(argv: list[str] | None = None) -> None:
    args = cli.parse(
        __doc__, argv,
        cli.Option("--seconds", 15.0, "measuring time per phase", ">0"),
        cli.Option("--buyers", 64, "concurrent buyers", ">0"),
        cli.Option("--hot", 5, "hot products per phase", ">0"),
        cli.Option("--stock", 200, "initial stock of each hot product", ">=0"),
    )  # fmt: skip

    with database.bench_database(f"seeding {args.buyers} buyers") as (name, url):
        world = database.seeded(url, seed_world, args, ["p1", "p2"])
        phases = [
            Phase("p1", "phase 1: every order sent once", world.hot["p1"], twice=False),
            Phase("p2", "phase 2: every order sent twice at once, same idempotency key", world.hot["p2"], twice=True),
        ]
        with servers.running_server(url, env=servers.UNLIMITED) as server:
            watched = Watched(server.pid, name)
            idle, measured = driver.run_driver(lambda: measure(server.base_url, url, world, phases, args, watched))
            log_tail = server.log_tail(12)
        print(f"\nplaceOrder under contention: 1 uvicorn process, {len(world.buyers)} buyers, {args.seconds:g} s "
              f"per phase, {report.cpus()}")  # fmt: skip
        print(f"seeded: {world.market}, 3 stalls; per phase {args.hot} hot products × {args.stock} units "
              f"({args.hot * args.stock:,} units); orders of 1–2 products × 1–2 units, COD, "
              "tomorrow AFTERNOON")  # fmt: skip
        print(f"before the run, other programs kept {idle.other:.2f} cores busy")
        for result, checked in measured:
            report_phase(result, checked)
        if log_tail.strip():
            print(f"\nserver log (last lines):\n{log_tail}")


if __name__ == "__main__":
    cli.main(main)

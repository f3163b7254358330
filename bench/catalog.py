"""Catalog throughput: the 50-product GraphQL page against a plain Starlette endpoint for the same data.

Requests/s, p50/p99 latency and errors of the buyers' hottest query (a 50-product page of one market's
catalog with stall, market, category, price tiers and a thumbnail URL) served by ONE uvicorn process of the
real app, and the same for a "ceiling" in the same process: a hand-written route answering the same page
with the same JSON from raw rows and orjson (bench/catalog_server.py). GraphQL ÷ ceiling says what the
GraphQL layer costs on top of the unavoidable database and HTTP work; the server's CPU per request compares
the two without depending on the cores the others took. The catalog page cache is off; the two answers
are checked to be the same JSON first; N keep-alive clients rotate over 10 markets after a warm-up.

    .venv/bin/python bench/catalog.py [--seconds 20] [--clients 32] [--products 2000] [--warmup 2]
"""

from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from strawberry import relay

from bench.harness import cli, database, driver, report, seeding, servers
from bench.harness.cpu import CpuUse, Meter, Watched, idle_load

SERVER_APP = "bench.catalog_server:create_app"
PAGE_SIZE = 50
CATALOG_QUERY = """{ products(first: %d, filter: {marketId: "%s"}) { edges { cursor node { id name unit
price { amount currency } minQuantity quantityStep stock isWeighed stall { id name stallNumber market { id name } }
category { id name } priceTiers { minQuantity price { amount } } photos { url(size: THUMB, format: WEBP) } } }
pageInfo { hasNextPage endCursor } } }"""


@dataclass(frozen=True)
class Target:
    name: str
    calls: list[tuple[str, str, bytes | None]]  # (method, path, body), one per market; clients rotate over them


def targets(market_ids: list[int]) -> list[Target]:
    def body(market: int) -> bytes:
        return orjson.dumps({"query": CATALOG_QUERY % (PAGE_SIZE, relay.to_base64("Market", market))})

    return [
        Target("GraphQL", [("POST", "/graphql", body(m)) for m in market_ids]),
        Target("ceiling", [("GET", f"/bench/ceiling?market={m}&first={PAGE_SIZE}", None) for m in market_ids]),
    ]


def is_error(response: httpx.Response) -> bool:
    # GraphQL errors come as {"errors": [...]} with status 200; product names never contain that key.
    return response.status_code != 200 or b'"errors":' in response.content


async def run_target(pool: list[httpx.AsyncClient], target: Target, args: Any, watched: Watched) -> driver.Tally:
    """Warm up, then measure: every client sends its next request as soon as one returns."""
    turns = list(range(len(pool)))  # each client's next call; they start apart

    async def step(tally: driver.Tally, index: int) -> None:
        turns[index] += 1
        call = target.calls[(turns[index] - 1) % len(target.calls)]
        response, latency, failure = await driver.timed(pool[index], *call)
        if response is None:
            tally.record("error", None, failure)
        elif is_error(response):
            tally.record("error", latency, f"HTTP {response.status_code}: {response.text[:300]}")
        else:
            tally.record("ok", latency)

    if args.warmup > 0:
        await driver.bounded(len(pool), args.warmup, lambda i: step(driver.Tally(), i))
    tally, meter = driver.Tally(), Meter(watched)
    await driver.bounded(len(pool), args.seconds, lambda i: step(tally, i))
    tally.seconds, tally.cpu = meter.use()
    return tally


def first_difference(a: Any, b: Any, path: str = "$") -> str | None:
    """The first place two decoded JSON documents differ, as a path with both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            if key not in a or key not in b:
                return f"{path}.{key}: only in {'GraphQL' if key in a else 'ceiling'}"
            if found := first_difference(a[key], b[key], f"{path}.{key}"):
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items in GraphQL, {len(b)} in ceiling"
        diffs = (first_difference(x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(a, b, strict=True)))
        return next((d for d in diffs if d), None)
    return None if a == b else f"{path}: GraphQL {a!r}, ceiling {b!r}"


async def sample_line(client: httpx.AsyncClient, graphql: Target, ceiling: Target) -> str:
    """One response of each target for the same market: their sizes and whether they are the same JSON."""
    g, c = [(await driver.timed(client, *target.calls[0]))[0] for target in (graphql, ceiling)]
    for name, response in (("GraphQL", g), ("ceiling", c)):
        if response is None or is_error(response):
            raise RuntimeError(f"{name} answered {response and (response.status_code, response.text[:500])}")
    assert g is not None and c is not None
    g_json, c_json = orjson.loads(g.content), orjson.loads(c.content)
    products, difference = g_json["data"]["products"], first_difference(g_json, c_json)
    return (
        f"one response: GraphQL {len(g.content):,} bytes, ceiling {len(c.content):,} bytes; "
        f"{len(products['edges'])} edges, hasNextPage={products['pageInfo']['hasNextPage']}; "
        f"same JSON: {'yes' if difference is None else 'NO, first difference at ' + difference}"
    )


async def measure(
    base_url: str, market_ids: list[int], args: Any, watched: Watched
) -> tuple[str, CpuUse, dict[str, driver.Tally]]:
    graphql, ceiling = targets(market_ids)
    async with AsyncExitStack() as stack:
        pool = await driver.clients(stack, base_url, args.clients)
        sample = await sample_line(pool[0], graphql, ceiling)
        idle = await idle_load(watched)
        runs = {}
        for target in (graphql, ceiling):
            print(f"  measuring {target.name}: {args.warmup:g} s warm-up, {args.seconds:g} s …", flush=True)
            runs[target.name] = await run_target(pool, target, args, watched)
    return sample, idle, runs


COLUMNS = [("", "<9"), ("req/s", ">9.1f"), ("p50 ms", ">9.1f"), ("p99 ms", ">9.1f"), ("errors", ">8")]
COLUMNS += [("requests", ">10"), ("CPU server", ">12.2f"), ("postgres", ">10.2f"), ("driver", ">8.2f")]
COLUMNS += [("other", ">7.2f"), ("server ms/req", ">15.2f")]


def print_report(args: Any, seeded: seeding.Seeded, sample: str, idle: CpuUse, runs: dict[str, driver.Tally]) -> None:
    markets = len(seeded.market_ids)
    print(f"\ncatalog page: {PAGE_SIZE} products of one market ({markets} markets rotated), 1 uvicorn process,"
          f" {args.clients} clients, {args.seconds:g} s each after {args.warmup:g} s warm-up, "
          f"{report.cpus()}")  # fmt: skip
    print(f"seeded: {seeded.products:,} products in {markets} markets, {seeded.stalls} stalls, "
          f"{seeded.tiers:,} price tiers, {seeded.photos:,} photos")  # fmt: skip
    print(sample)
    print(f"before the run, other programs kept {idle.other:.2f} cores busy\n")
    ok = {name: t.count("ok") for name, t in runs.items()}
    rates = {name: t.rate(ok[name]) for name, t in runs.items()}
    cost = {name: t.cpu.server_ms_per(t.seconds, ok[name]) for name, t in runs.items()}
    rows = [[name, rates[name], report.percentile_ms(t.every(), 0.5), report.percentile_ms(t.every(), 0.99),
             t.errors["error"], ok[name] + t.errors["error"], *vars(t.cpu).values(), cost[name]]
            for name, t in runs.items()]  # fmt: skip
    report.table(COLUMNS, rows, rule=True)
    print(f"\nGraphQL req/s ÷ ceiling req/s = {report.ratio(rates['GraphQL'], rates['ceiling']):.2f}")
    print(f"server CPU per request: GraphQL {cost['GraphQL']:.2f} ms, ceiling {cost['ceiling']:.2f} ms (ceiling ÷ "
          f"GraphQL = {report.ratio(cost['ceiling'], cost['GraphQL']):.2f}; unlike req/s this does not depend on the "
          "cores left to PostgreSQL and the driver)")  # fmt: skip
    for name, t in runs.items():
        if t.samples:
            print(f"first {name} error: {t.samples['error']}")


def main(argv: list[str] | None = None) -> None:
    args = cli.parse(
        __doc__, argv,
        cli.Option("--seconds", 20.0, "measuring time per target", ">0"),
        cli.Option("--clients", 32, "concurrent keep-alive clients", ">0"),
        cli.Option("--products", 2000, "products to seed", ">0"),
        cli.Option("--warmup", 2.0, "warm-up per target, not measured", ">=0"),
    )  # fmt: skip

    with database.bench_database(f"seeding {args.products:,} products") as (name, url):
        seeded = database.seeded(url, lambda _, products: seeding.seed_catalog(products), args.products)
        with servers.running_server(url, app=SERVER_APP) as server:
            watched = Watched(server.pid, name)
            measured = driver.run_driver(lambda: measure(server.base_url, seeded.market_ids, args, watched))
        print_report(args, seeded, *measured)


if __name__ == "__main__":
    cli.main(main)

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

import itertools
from contextlib import AsyncExitStack
from typing import Any

import httpx
import orjson
from strawberry import relay

from bench.harness import cli, database, driver, report, seeding, servers
from bench.harness.cpu import Watched, idle_load

PAGE_SIZE = 50
CATALOG_QUERY = """{ products(first: %d, filter: {marketId: "%s"}) { edges { cursor node { id name unit
price { amount currency } minQuantity quantityStep stock isWeighed stall { id name stallNumber market { id name } }
category { id name } priceTiers { minQuantity price { amount } } photos { url(size: THUMB, format: WEBP) } } }
pageInfo { hasNextPage endCursor } } }"""
Call = tuple[str, str, bytes | None]  # method, path, body


def targets(market_ids: list[int]) -> dict[str, list[Call]]:
    """One call per market for each target; the clients rotate over them."""
    bodies = [orjson.dumps({"query": CATALOG_QUERY % (PAGE_SIZE, relay.to_base64("Market", m))}) for m in market_ids]
    return {
        "GraphQL": [("POST", "/graphql", body) for body in bodies],
        "ceiling": [("GET", f"/bench/ceiling?market={m}&first={PAGE_SIZE}", None) for m in market_ids],
    }


def failure(response: httpx.Response | None, why: str) -> str | None:
    # GraphQL errors come as {"errors": [...]} with status 200; product names never contain that key.
    if response is None:
        return why
    if response.status_code != 200 or b'"errors":' in response.content:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    return None


async def run_target(pool: list[httpx.AsyncClient], calls: list[Call], args: Any, watched: Watched) -> driver.Tally:
    """Warm up, then measure: every client sends its next request as soon as one returns."""
    turns = [itertools.count(n) for n in range(len(pool))]  # each client's next call; they start apart

    async def step(tally: driver.Tally, index: int) -> None:
        response, latency, why = await driver.timed(pool[index], *calls[next(turns[index]) % len(calls)])
        error = failure(response, why)
        tally.record("error" if error else "ok", None if response is None else latency, error)

    if args.warmup > 0:
        await driver.bounded(len(pool), args.warmup, lambda i: step(driver.Tally(), i))
    return await driver.measured(len(pool), args.seconds, step, watched)


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


async def sample_line(client: httpx.AsyncClient, calls: dict[str, list[Call]]) -> str:
    """One response of each target for the same market: their sizes and whether they are the same JSON."""
    answers = {name: await driver.timed(client, *target[0]) for name, target in calls.items()}
    for name, (response, _, why) in answers.items():
        if error := failure(response, why):
            raise RuntimeError(f"{name} answered {error}")
    g, c = (answers[name][0].content for name in ("GraphQL", "ceiling"))  # type: ignore[union-attr]
    products, difference = orjson.loads(g)["data"]["products"], first_difference(orjson.loads(g), orjson.loads(c))
    return (
        f"one response: GraphQL {len(g):,} bytes, ceiling {len(c):,} bytes; {len(products['edges'])} edges, "
        f"hasNextPage={products['pageInfo']['hasNextPage']}; "
        f"same JSON: {'yes' if difference is None else 'NO, first difference at ' + difference}"
    )


COLUMNS = [("", "<9"), ("req/s", ">9.1f"), ("p50 ms", ">9.1f"), ("p99 ms", ">9.1f"), ("errors", ">8")]
COLUMNS += [("requests", ">10"), ("CPU server", ">12.2f"), ("postgres", ">10.2f"), ("driver", ">8.2f")]
COLUMNS += [("other", ">7.2f"), ("server ms/req", ">15.2f")]


async def measure(server: servers.Process, market_ids: list[int], args: Any) -> tuple[str, float, dict[str, Any]]:
    calls = targets(market_ids)
    async with AsyncExitStack() as stack:
        pool = await driver.clients(stack, server.base_url, args.clients)
        sample, idle, runs = await sample_line(pool[0], calls), await idle_load(server.watched), {}
        for name, target in calls.items():
            print(f"  measuring {name}: {args.warmup:g} s warm-up, {args.seconds:g} s …", flush=True)
            runs[name] = await run_target(pool, target, args, server.watched)
    return sample, idle, runs


def print_report(args: Any, seeded: seeding.Seeded, sample: str, idle: float, runs: dict[str, driver.Tally]) -> None:
    markets = len(seeded.market_ids)
    print(
        f"\ncatalog page: {PAGE_SIZE} products of one market ({markets} markets rotated), 1 uvicorn process, "
        f"{args.clients} clients, {args.seconds:g} s each after {args.warmup:g} s warm-up, {report.cpus()}"
    )
    print(
        f"seeded: {seeded.products:,} products in {markets} markets, {seeded.stalls} stalls, "
        f"{seeded.tiers:,} price tiers, {seeded.photos:,} photos"
    )
    print(f"{sample}\nbefore the run, other programs kept {idle:.2f} cores busy\n")
    rates, cost, rows = {}, {}, []
    for name, t in runs.items():
        ok, errors, cpu = t.count("ok"), t.errors["error"], vars(t.cpu).values()
        rates[name], cost[name] = t.rate(ok), t.cpu.server_ms_per(t.seconds, ok)
        rows.append([name, rates[name], *report.percentiles_ms(t.every()), errors, ok + errors, *cpu, cost[name]])
    report.table(COLUMNS, rows, rule=True)
    print(f"\nGraphQL req/s ÷ ceiling req/s = {report.ratio(rates['GraphQL'], rates['ceiling']):.2f}")
    print(
        f"server CPU per request: GraphQL {cost['GraphQL']:.2f} ms, ceiling {cost['ceiling']:.2f} ms (ceiling ÷ "
        f"GraphQL = {report.ratio(cost['ceiling'], cost['GraphQL']):.2f}; unlike req/s this does not depend on the "
        "cores left to PostgreSQL and the driver)"
    )
    for name, t in runs.items():
        if t.samples:
            print(f"first {name} error: {t.samples['error']}")


def main(args: Any) -> None:
    with database.bench_database(f"seeding {args.products:,} products") as url:
        seeded = database.seeded(url, lambda _, products: seeding.seed_catalog(products), args.products)
        with servers.running_server(url, app="bench.catalog_server:create_app") as server:
            measured = driver.run_driver(measure, server, seeded.market_ids, args)
        print_report(args, seeded, *measured)


if __name__ == "__main__":
    cli.run(
        main,
        cli.Option("--seconds", 20.0, "measuring time per target", ">0"),
        cli.Option("--clients", 32, "concurrent keep-alive clients", ">0"),
        cli.Option("--products", 2000, "products to seed", ">0"),
        cli.Option("--warmup", 2.0, "warm-up per target, not measured", ">=0"),
    )

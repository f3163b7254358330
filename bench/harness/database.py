"""A throw-away PostgreSQL database per run: created, migrated, seeded with reference data, dropped."""

import asyncio
import os
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

import asyncpg
from tortoise import Tortoise
from tortoise.connection import get_connection

from src import db
from src.services.seed import seed_reference_data
from src.settings import Settings

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_URL = "postgres://postgres@127.0.0.1:5432/{name}"
# BENCH_REDIS_URL moves every bench to another Redis database (servers.running_worker flushes it).
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
T = TypeVar("T")
SECRET_KEY = "pasar-bench-secret-key-not-for-production"  # signs tokens here, checks them in the servers
# Settings under which only stock refuses an order placed in the bench process (servers.UNLIMITED for servers).
NO_LIMITS: dict[str, Any] = {"secret_key": SECRET_KEY, "slot_capacity": 10_000_000, "cod_max_total": 10**9}


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextmanager
def bench_database(doing: str = "") -> Iterator[str]:
    """The url of a new database `pasar_bench_<random>`, dropped when the block ends, also on failure."""
    name = f"pasar_bench_{secrets.token_hex(4)}"
    print(f"database {name}: creating, migrating{', ' + doing if doing else ''} …", flush=True)
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_BENCH_URL.format(name=name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        print(f"database {name} dropped", flush=True)


@asynccontextmanager
async def orm(
    database_url: str, *, migrate: bool = False, reference: bool = True, **overrides: Any
) -> AsyncIterator[Settings]:
    """The ORM open on the bench database for the block; with `migrate`, the migrations applied first and the
    markets and categories seeded (unless `reference` is false)."""
    bench = Settings(database_url=database_url, redis_url=REDIS_URL, environment="dev", **overrides)
    if migrate:
        await db.migrate(bench)
        await Tortoise.close_connections()
    await db.init_orm(bench)
    try:
        if migrate and reference:
            await seed_reference_data()
        yield bench
    finally:
        await db.close_orm()


def seeded(database_url: str, seed: Callable[..., Awaitable[T]], *args: Any, **overrides: Any) -> T:
    """Migrate the database, seed the reference data and run `seed(settings, *args)` (the ORM closed afterwards)."""

    async def run() -> T:
        async with orm(database_url, migrate=True, **overrides) as bench:
            return await seed(bench, *args)

    started = time.perf_counter()
    result = asyncio.run(run())
    print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)
    return result


async def rows(sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Raw SQL on the ORM's connection, rows as dicts."""
    return await get_connection("default").execute_query_dict(sql, params)


async def analyse() -> None:
    """Fresh planner statistics after a bulk load."""
    await get_connection("default").execute_script("ANALYZE")

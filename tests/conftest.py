"""Test session: a fresh PostgreSQL database (or SQLite), a Redis database of its own, real S3 when asked."""

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr
from redis.asyncio import Redis
from tortoise import Tortoise
from tortoise.connection import get_connection

from src import db
from src.app import create_app
from src.jobs.worker import build_worker
from src.services import payments
from src.settings import Settings
from tests.support.graphql import GraphQLClient
from tests.support.s3server import ACCESS_KEY, SECRET_KEY, S3Server, start_s3_server
from tests.support.world import World, make_world

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# `postgres` (default) or `sqlite`: the whole suite runs on either.
TEST_DB = os.environ.get("TEST_DB", "postgres")
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pasar")


@pytest_asyncio.fixture(scope="session")
async def database_url(session_dir: Path) -> AsyncIterator[str]:
    """A database made for this test session and dropped after it."""
    if TEST_DB == "sqlite":
        yield f"sqlite://{session_dir / 'test.sqlite3'}"
        return
    name = f"pasar_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(scope="session")
def settings(database_url: str, session_dir: Path) -> Settings:
    return Settings(
        environment="dev",
        database_url=database_url,
        redis_url=TEST_REDIS_URL,
        secret_key=TEST_SECRET,
        media_root=session_dir / "media",
        public_url="http://testserver",
        worker_poll_delay=0.01,
        catalog_cache_seconds=0,  # tests read what they just wrote; tests/catalog/test_page_cache.py turns it on
    )


@pytest_asyncio.fixture(scope="session")
async def orm(settings: Settings) -> AsyncIterator[None]:
    """Migrations applied once, then one Tortoise context for the whole session."""
    await db.migrate(settings)
    await Tortoise.close_connections()
    await db.init_orm(settings)
    yield
    await db.close_orm()


async def _truncate_all() -> None:
    connection = get_connection("default")
    tables = [model._meta.db_table for app in Tortoise.apps.values() for model in app.values()]
    if connection.capabilities.dialect == "postgres":
        quoted = ", ".join(f'"{t}"' for t in tables)
        await connection.execute_script(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    else:
        await connection.execute_script(
            "PRAGMA foreign_keys=OFF;"
            + "".join(f'DELETE FROM "{t}";' for t in tables)
            + "DELETE FROM sqlite_sequence;"
            + "PRAGMA foreign_keys=ON;"
        )


@pytest_asyncio.fixture(scope="session")
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(TEST_REDIS_URL)
    yield client
    await client.aclose()


@pytest_asyncio.fixture
async def clean_db(orm: None, redis: Redis) -> None:
    """Empty tables and an empty Redis database, before anything else of the test is made."""
    await _truncate_all()
    await redis.flushdb()


@pytest_asyncio.fixture(autouse=True)
async def money_adds_up(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """After every test that used the session's database: for every paid order, paid − refunded = owed
    (`payments.invariant`). Tests that never set the database up (no `clean_db`) are left alone."""
    yield
    if "clean_db" not in request.fixturenames or not Tortoise.is_inited():
        return
    problems = await payments.invariant.money_problems()
    assert not problems, "money does not add up: " + "; ".join(str(p) for p in problems)


@pytest_asyncio.fixture
async def app(clean_db: None, settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings, manage_orm=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest_asyncio.fixture
async def world(clean_db: None, settings: Settings) -> World:
    """The delivery world (tests/support/world.py) with three couriers; a module or folder with a shop of other
    goods overrides this fixture with its own `make_shop`."""
    return await make_world(settings)


@pytest.fixture
def run_jobs(clean_db: None, settings: Settings) -> Any:
    """Run every queued job to completion in a burst-mode arq worker; returns the worker for its counters."""

    async def _run(**overrides: Any) -> Any:
        options: dict[str, Any] = {
            "burst": True,
            "handle_signals": False,
            "poll_delay": 0.01,
            "ctx": {"orm_managed_outside": True},
            "cron_jobs": [],  # the sweeps have tests of their own
            "settings": settings,
        }
        options.update(overrides)
        worker = build_worker(options.pop("settings"), **options)
        try:
            await worker.main()
        finally:
            await worker.close()
        return worker

    return _run


@pytest.fixture(scope="session")
def s3_server(session_dir: Path) -> Iterator[S3Server]:
    server = start_s3_server(session_dir / "s3")
    yield server
    server.stop()


@pytest.fixture
def s3_settings(settings: Settings, s3_server: S3Server) -> Settings:
    return settings.model_copy(
        update={
            "storage_backend": "s3",
            "s3_endpoint_url": s3_server.endpoint_url,
            "s3_bucket": f"pasar-{uuid.uuid4().hex[:8]}",
            "s3_access_key": SecretStr(ACCESS_KEY),
            "s3_secret_key": SecretStr(SECRET_KEY),
        }
    )

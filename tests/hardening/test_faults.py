"""Faults made to happen: PostgreSQL restarted under a running API process."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.private_pg import PrivatePostgres, _free_port, private_postgres

SECRET = "fault-test-secret-key-that-is-long-enough-0123456789"
MARKETS = "{ markets(first: 5) { edges { node { name } } } }"
PRODUCTS = "{ products(first: 5) { edges { node { name } } } }"  # answered by the catalog fast path
REGISTER = """mutation($phone: String!) { register(input: {phone: $phone, password: "kopi-tubruk-malang-2026",
  name: "Bu Tini"}) { user { phone } errors { code } } }"""


def _pasar(*args: str, env: dict[str, str], **kwargs: Any) -> Any:
    return subprocess.Popen([str(Path(sys.executable).parent / "pasar"), *args], env=env, **kwargs)


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


def _post(port: int, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{port}/graphql", json={"query": query, "variables": variables or {}}, timeout=10
    )


def test_postgres_restarted_under_the_api(postgres: PrivatePostgres, tmp_path: Path) -> None:
    """While PostgreSQL is down, requests fail cleanly (a masked error with a code, /readyz 503 naming
    the database); once it is back, the same API process answers again, with no restart."""
    env = os.environ | {
        "DATABASE_URL": postgres.url,
        "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "SECRET_KEY": SECRET,
        "ENVIRONMENT": "production",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    assert _pasar("migrate", env=env).wait(timeout=120) == 0
    assert _pasar("seed", env=env, stdout=subprocess.DEVNULL).wait(timeout=120) == 0
    port = _free_port()
    with (tmp_path / "api.log").open("wb") as log:
        api = _pasar("serve", "--host", "127.0.0.1", "--port", str(port), env=env, stdout=log, stderr=log)
    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        before = _post(port, MARKETS).json()
        assert before["data"]["markets"]["edges"], before

        postgres.stop()
        during = _post(port, MARKETS)
        assert during.status_code == 200
        error = during.json()["errors"][0]
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE", error
        assert "Traceback" not in during.text and "asyncpg" not in during.text
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        assert ready.status_code == 503 and "database" in ready.text
        catalog = _post(port, PRODUCTS)
        assert catalog.status_code == 200 and catalog.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        refused = _post(port, REGISTER, {"phone": "0812-7777-0001"}).json()
        assert refused["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"

        postgres.start()
        answers = []
        for _ in range(50):  # the pool notices the dead connections and opens new ones
            answers.append(_post(port, MARKETS).json())
            if "data" in answers[-1] and answers[-1]["data"]:
                break
            time.sleep(0.2)
        assert answers[-1] == before, answers[-3:]
        assert len(answers) <= 3, answers  # at most a couple of failed requests after the restart
        registered = _post(port, REGISTER, {"phone": "0812-7777-0001"}).json()
        assert registered["data"]["register"] == {"user": {"phone": "+6281277770001"}, "errors": []}
        assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200
        assert api.poll() is None  # the same process throughout
    finally:
        api.terminate()
        api.wait(timeout=15)

"""Server processes on free ports: `uvicorn` with an app factory and `pasar worker`, ready-checked, stopped."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis

from bench.harness.cpu import Watched
from bench.harness.database import NO_LIMITS, REDIS_URL

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0
SERVER_ENV = {"REDIS_URL": REDIS_URL, "ENVIRONMENT": "dev", "PYTHONUNBUFFERED": "1"}  # logs as they happen
HEALTH_CHECK_KEY = "arq:queue:health-check"  # arq's default queue name + ":health-check"
# Only stock may refuse an order: not the slot's capacity, the cash-on-delivery limit or a rate limit.
UNLIMITED = {key.upper(): str(value) for key, value in NO_LIMITS.items()} | {
    "RATE_ORDERS_PER_MINUTE": "1000000",
    "RATE_UPLOADS_PER_MINUTE": "1000000",
    "ACCESS_TOKEN_MINUTES": "1440",
}


def answers(port: int) -> bool:
    """Whether something on this machine accepts connections on `port`."""
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    """A port nothing listens on: the kernel picks one, then a connect must fail on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    if answers(port):
        raise RuntimeError(f"port {port} is already answering; refusing to benchmark another server")
    return port


@dataclass
class Process:
    """A started server or worker with its log; `base_url` for servers."""

    popen: subprocess.Popen[bytes]
    log_path: Path
    watched: Watched  # its pid and the bench database, for cpu.Meter
    base_url: str = ""

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_lines()[-lines:])


def wait_until(ready: Callable[[], bool], what: str, alive: Callable[[], bool], log: Callable[[], str] = str) -> None:
    """Poll `ready` until it holds; fail when the process is gone or after START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    while not ready():
        if not alive():
            raise RuntimeError(f"the {what} exited:\n{log()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the {what} did not start within {START_TIMEOUT:.0f} s:\n{log()}")
        time.sleep(0.05)


@contextmanager
def _running(
    what: str, command: list[str], database_url: str, env: dict[str, str], ready: Callable[[], bool]
) -> Iterator[Process]:
    """Start `command` with the bench's environment, wait until `ready`, stop it (SIGTERM, then SIGKILL)."""
    with tempfile.TemporaryDirectory(prefix="pasar-bench-") as logs:
        log_path = Path(logs) / f"{what}.log"
        with log_path.open("wb") as log:
            full_env = {**os.environ, **SERVER_ENV, "DATABASE_URL": database_url, **env}
            popen = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        started = Process(popen, log_path, Watched(popen.pid, database_url.rsplit("/", 1)[-1]))
        try:
            wait_until(ready, what, lambda: popen.poll() is None, started.log_tail)
            yield started
            if popen.poll() is not None:
                print(f"warning: the {what} exited during the run:\n{started.log_tail()}", file=sys.stderr)
        finally:
            if popen.poll() is None:
                popen.terminate()  # uvicorn and arq stop on SIGTERM
                try:
                    popen.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    popen.kill()
                    popen.wait()


def _answers_health(base_url: str) -> bool:
    try:
        return httpx.get(base_url + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def running_server(
    database_url: str, *, app: str = "src.app:create_app", env: dict[str, str] | None = None, name: str = "server"
) -> Iterator[Process]:
    """One uvicorn process of an app factory on a free port; the catalog page cache off unless `env` says."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log"]
    server_env = {"CATALOG_CACHE_SECONDS": "0", **(env or {})}
    with _running(name, command, database_url, server_env, lambda: _answers_health(base_url)) as server:
        server.base_url = base_url
        print(f"{name}: uvicorn {app} on {base_url} (pid {server.popen.pid})", flush=True)
        yield server


@contextmanager
def running_worker(database_url: str, env: dict[str, str]) -> Iterator[Process]:
    """One `pasar worker` on a flushed Redis database (flushed again when it stopped), ready once arq wrote its
    health-check key (it polls the queue from then on)."""
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    command = [str(Path(sys.executable).parent / "pasar"), "worker"]
    try:
        with _running("worker", command, database_url, env, lambda: bool(client.exists(HEALTH_CHECK_KEY))) as worker:
            yield worker
    finally:
        client.flushdb()
        client.close()
        print(f"Redis database {REDIS_URL.rsplit('/', 1)[-1]} flushed", flush=True)

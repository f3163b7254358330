"""The test suite's own servers and processes: free ports, and `pasar` commands run as separate processes."""

import os
import subprocess
import sys
import time
from pathlib import Path
from socket import socket
from typing import Any

import httpx

from src.settings import Settings


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the kernel picks it)."""
    with socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pasar_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that makes a `pasar` process use the test session's database, Redis and media."""
    return os.environ | {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "MEDIA_ROOT": str(settings.media_root),
        "ENVIRONMENT": "dev",
        "CATALOG_CACHE_SECONDS": str(settings.catalog_cache_seconds),
        **extra,
    }


def start_pasar(*args: str, env: dict[str, str], log: Path, **options: Any) -> subprocess.Popen[bytes]:
    """`pasar <args>` in the background, its output in `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "pasar"), *args], env=env, stdout=out, stderr=subprocess.STDOUT,
            **options,
        )  # fmt: skip


def start_api(port: int, *options: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`pasar serve` on 127.0.0.1:port (with more `options`), returned once it answers /healthz (or failing
    with its log)."""
    process = start_pasar("serve", "--host", "127.0.0.1", "--port", str(port), *options, env=env, log=log)
    for _ in range(300):
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise AssertionError(f"pasar serve did not answer on port {port}:\n{log.read_text()[-2000:]}")

"""The bounded load loop: clients sending back to back until a deadline, latencies and errors tallied."""

import asyncio
import importlib.util
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import httpx

from bench.harness.cpu import CpuUse, Meter, Watched

T = TypeVar("T")
REQUEST_TIMEOUT = 30.0


@dataclass
class Tally:
    """Latencies per kind of answer (or operation), errors per kind with the first of each as a sample."""

    latencies: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    cpu: CpuUse = field(default_factory=CpuUse)  # while measuring

    def record(self, kind: str, latency: float | None, error: str | None = None) -> None:
        if latency is not None:
            self.latencies[kind].append(latency)
        if error is not None:
            self.errors[kind] += 1
            self.samples.setdefault(kind, error)

    def count(self, *kinds: str) -> int:
        return sum(len(self.latencies[k]) for k in kinds or list(self.latencies))

    def every(self) -> list[float]:
        return [value for values in self.latencies.values() for value in values]

    def rate(self, count: int) -> float:
        return count / self.seconds if self.seconds else 0.0

    def add(self, other: "Tally") -> None:
        for kind, values in other.latencies.items():
            self.latencies[kind].extend(values)
        self.errors.update(other.errors)
        for kind, sample in other.samples.items():
            self.samples.setdefault(kind, sample)
        self.seconds += other.seconds


async def bounded(clients: int, seconds: float, step: Callable[[int], Awaitable[Any]]) -> float:
    """`clients` loops, each awaiting step(its index) back to back for `seconds`; returns the time taken
    (every client finishes the request it has in flight)."""
    started = time.perf_counter()
    deadline = started + seconds

    async def client(index: int) -> None:
        while time.perf_counter() < deadline:
            await step(index)

    await asyncio.gather(*(client(n) for n in range(clients)))
    return time.perf_counter() - started


async def measured(
    clients: int, seconds: float, step: Callable[[Tally, int], Awaitable[Any]], watched: Watched
) -> Tally:
    """`bounded` with a new Tally for `step(tally, index)`: the tally's seconds and the CPU used while it ran."""
    tally, meter = Tally(), Meter(watched)
    await bounded(clients, seconds, partial(step, tally))
    tally.seconds, tally.cpu = meter.use()
    return tally


async def timed(
    client: httpx.AsyncClient, method: str, path: str, body: bytes | None = None
) -> tuple[httpx.Response | None, float, str]:
    """One request: (the response or None, its seconds, why it got none); a pause after a failure."""
    started = time.perf_counter()
    try:
        response = await client.request(method, path, content=body, headers={"content-type": "application/json"})
    except httpx.HTTPError as exc:
        task = asyncio.current_task()  # Ctrl-C stays Ctrl-C: httpcore may turn a cancellation into a read error
        if task is not None and task.cancelling() > 0:
            raise asyncio.CancelledError from exc
        seconds = time.perf_counter() - started
        await asyncio.sleep(0.01)
        return None, seconds, f"{type(exc).__name__}: {exc}"
    return response, time.perf_counter() - started, ""


async def clients(
    stack: AsyncExitStack, base_url: str, count: int, headers: dict[str, str] | None = None
) -> list[httpx.AsyncClient]:
    """One client per simulated user, each one HTTP/1.1 keep-alive connection: httpcore's shared pool rescans
    all its connections for every request, which costs the driver several times the CPU at 32 connections."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    client = partial(httpx.AsyncClient, base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT, headers=headers)
    return [await stack.enter_async_context(client()) for _ in range(count)]


def run_driver(coroutine: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
    """asyncio.run, on uvloop when it is installed (it is, with uvicorn[standard]): less driver CPU."""
    # httpcore asks `import sniffio` on every request; sniffio is not installed, and each failed import
    # searches sys.path again (~0.3 ms of driver CPU per request). A None entry fails the import at once,
    # which is what httpcore expects without sniffio (it then assumes asyncio, which is what runs here).
    if importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine(*args))
    return uvloop.run(coroutine(*args))

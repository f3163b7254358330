"""CPU accounting from /proc: the server (or worker), the database's PostgreSQL backends, this driver, the rest."""

import asyncio
import os
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Watched:
    """The processes whose CPU use is reported: the server and the database's backends."""

    server_pid: int
    database: str


def _cpu_seconds(pid: int | str, tick: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick  # utime + stime


def _sample(watched: Watched) -> tuple[float, dict[str, float], float, float]:
    """CPU seconds so far (Linux /proc; zeros elsewhere) of the server, each PostgreSQL backend of the database
    (they come and go; "postgres: … <db> …"), this driver, and the machine (all but idle and iowait)."""
    times, tick = os.times(), os.sysconf("SC_CLK_TCK")
    server, postgres, machine, marker = 0.0, {}, 0.0, f" {watched.database} ".encode()
    try:
        server = _cpu_seconds(watched.server_pid, tick)
        for pid in (entry.name for entry in os.scandir("/proc") if entry.name.isdigit()):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if marker in f.read():
                        postgres[pid] = _cpu_seconds(pid, tick)
            except OSError:  # a process that just ended
                continue
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
        machine = (sum(ticks) - ticks[3] - ticks[4]) / tick
    except (OSError, IndexError, ValueError):
        pass
    return server, postgres, times.user + times.system, machine


@dataclass(frozen=True)
class CpuUse:
    """Average cores busy during an interval."""

    server: float = 0.0
    postgres: float = 0.0
    driver: float = 0.0
    other: float = 0.0  # everything else on the machine: other programs, the kernel

    def server_ms_per(self, seconds: float, count: int) -> float:
        """Server CPU per request (or delivery): unlike a rate, independent of the cores left to the others."""
        return self.server * seconds * 1000 / count if count else float("nan")

    def cores(self, server: str = "server", driver: str = "driver", other: str = "other") -> str:
        """The four shares, named: "server 0.67, postgres 0.19, driver 0.18, other 0.91"."""
        names = (server, "postgres", driver, other)
        return ", ".join(f"{name} {value:.2f}" for name, value in zip(names, vars(self).values(), strict=True))


class Meter:
    """CPU use from when it is made to each `use()`, over the time passed."""

    def __init__(self, watched: Watched) -> None:
        self.watched, self.before, self.started = watched, _sample(watched), time.perf_counter()

    def use(self) -> tuple[float, CpuUse]:
        seconds = time.perf_counter() - self.started
        server0, postgres0, driver0, machine0 = self.before
        server, postgres, driver, machine = _sample(self.watched)
        server, driver = (server - server0) / seconds, (driver - driver0) / seconds
        pg = sum(used - postgres0.get(pid, 0.0) for pid, used in postgres.items()) / seconds
        return seconds, CpuUse(server, pg, driver, max(0.0, (machine - machine0) / seconds - server - pg - driver))


async def idle_load(watched: Watched, seconds: float = 1.0) -> float:
    """The cores other programs keep busy while nothing is sent: they compete for the same cores."""
    meter = Meter(watched)
    await asyncio.sleep(seconds)
    if (other := meter.use()[1].other) > 0.25:
        print(f"  warning: {other:.2f} cores busy with other programs before the run", flush=True)
    return other

"""Catalog throughput: the 50-product GraphQL page against a plain Starlette endpoint for the same data.

What it measures
    Requests per second, p50/p99 latency and errors of the buyers' hottest query, a 50-product page of
    one market's catalog with stall, market, category, price tiers and a thumbnail URL, served by ONE
    uvicorn process of the real app, and the same for a "ceiling": a hand-written Starlette route in the
    same process that answers the same page with the same JSON from raw asyncpg rows and orjson (see
    bench/catalog_server.py). The ratio GraphQL ÷ ceiling says how much the GraphQL layer (parsing,
    validation, resolvers, dataloaders, model building) costs on top of the unavoidable database and
    HTTP work. It prints figures and asserts no timings.

How
    1. Creates a PostgreSQL database `pasar_bench_<random>` on 127.0.0.1:5432 (user postgres), applies
       the migrations, seeds the markets and categories, then bulk-inserts traders with approved, open
       stalls in 10 markets, ~2,000 products with Indonesian names, wholesale price tiers for some and
       a READY photo for about half.
    2. Starts `uvicorn bench.catalog_server:create_app --factory` (one process, log level warning, no
       access log) on a free port with DATABASE_URL, REDIS_URL (database 13) and ENVIRONMENT=dev, the
       catalog page cache off (CATALOG_CACHE_SECONDS=0): both sides read the database for every page.
    3. Checks that both answer the same JSON for the same market, then, from this process (not the
       server's), drives each target with N concurrent clients, each an httpx.AsyncClient holding one
       HTTP/1.1 keep-alive connection, rotating over the 10 markets: a warm-up, then a fixed
       measuring time. A response counts as an error when it is not 200 or carries GraphQL errors.
    4. Prints requests/s, p50/p99 latency, errors, the ratio of the two rates, and the CPU used while
       measuring by the server process, the database's PostgreSQL backends, this driver and everything
       else (read from /proc). On a small machine they share the same cores, so the server's CPU time
       per request is printed too: it compares the two paths without depending on what the others took.
    5. Stops the server and drops the database, also on failure, Ctrl-C or SIGTERM.

Run from the repository root:
    .venv/bin/python bench/catalog.py [--seconds 20] [--clients 32] [--products 2000] [--warmup 2]
"""

import argparse
import asyncio
import importlib.util
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import orjson
from strawberry import relay

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_URL = "postgres://postgres@127.0.0.1:5432/{name}"
REDIS_URL = "redis://127.0.0.1:6379/13"
SERVER_APP = "bench.catalog_server:create_app"
SERVER_START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 30.0
JSON_HEADERS = {"content-type": "application/json"}

T = TypeVar("T")

MARKETS = 10
TRADERS_PER_MARKET = 20
PAGE_SIZE = 50

CATALOG_QUERY = """{ products(first: %d, filter: {marketId: "%s"}) { edges { cursor node { id name unit
price { amount currency } minQuantity quantityStep stock isWeighed stall { id name stallNumber market { id name } }
category { id name } priceTiers { minQuantity price { amount } } photos { url(size: THUMB, format: WEBP) } } }
pageInfo { hasNextPage endCursor } } }"""


# ---------------------------------------------------------------------------------------------------
# Seed data that looks like a Malang market
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    name: str
    category: str  # category slug (src.services.seed.CATEGORIES)
    unit: str  # src.models.catalog.Unit value
    price: int  # typical rupiah per unit
    weighed: bool = False
    minimum: str = "1"
    step: str = "1"


ITEMS = [
    Item("Kangkung", "sayur", "IKAT", 3000),
    Item("Bayam hijau", "sayur", "IKAT", 3000),
    Item("Sawi hijau", "sayur", "IKAT", 4000),
    Item("Kol", "sayur", "KG", 8000, True, "0.5", "0.5"),
    Item("Wortel", "sayur", "KG", 12000, True, "0.5", "0.25"),
    Item("Kentang", "sayur", "KG", 17000, True, "1", "0.5"),
    Item("Tomat merah", "sayur", "KG", 14000, True, "0.5", "0.5"),
    Item("Terong ungu", "sayur", "KG", 10000, True, "0.5", "0.5"),
    Item("Timun", "sayur", "KG", 9000, True, "0.5", "0.5"),
    Item("Kacang panjang", "sayur", "IKAT", 5000),
    Item("Labu siam", "sayur", "BUAH", 4000),
    Item("Jagung manis", "sayur", "BUAH", 4000),
    Item("Cabai rawit merah", "bumbu", "KG", 62000, True, "0.25", "0.25"),
    Item("Cabai merah besar", "bumbu", "KG", 45000, True, "0.25", "0.25"),
    Item("Bawang merah", "bumbu", "KG", 36000, True, "0.25", "0.25"),
    Item("Bawang putih", "bumbu", "KG", 32000, True, "0.25", "0.25"),
    Item("Jahe", "bumbu", "KG", 25000, True, "0.25", "0.25"),
    Item("Kunyit", "bumbu", "KG", 18000, True, "0.25", "0.25"),
    Item("Kemiri", "bumbu", "ONS", 6000),
    Item("Serai", "bumbu", "IKAT", 2000),
    Item("Beras IR64", "sembako", "KG", 13300),
    Item("Beras pandan wangi", "sembako", "KG", 16000),
    Item("Beras IR64 karung 25 kg", "sembako", "KARUNG", 320000),
    Item("Gula pasir", "sembako", "KG", 17500),
    Item("Minyak goreng curah", "sembako", "LITER", 16500),
    Item("Telur ayam negeri", "sembako", "KG", 28500, True, "0.5", "0.5"),
    Item("Telur ayam negeri", "sembako", "PAPAN", 52000),
    Item("Tepung terigu", "sembako", "KG", 11000),
    Item("Kecap manis", "sembako", "BOTOL", 22000),
    Item("Apel manalagi", "buah", "KG", 22000, True, "0.5", "0.5"),
    Item("Pisang raja", "buah", "SISIR", 25000),
    Item("Jeruk keprok", "buah", "KG", 24000, True, "0.5", "0.5"),
    Item("Salak pondoh", "buah", "KG", 15000, True, "0.5", "0.5"),
    Item("Mangga harum manis", "buah", "KG", 20000, True, "0.5", "0.5"),
    Item("Pepaya", "buah", "BUAH", 12000),
    Item("Daging sapi has dalam", "daging-unggas", "KG", 140000, True, "0.25", "0.25"),
    Item("Daging sapi giling", "daging-unggas", "KG", 130000, True, "0.25", "0.25"),
    Item("Ayam potong utuh", "daging-unggas", "EKOR", 42000),
    Item("Ayam kampung", "daging-unggas", "EKOR", 85000),
    Item("Ikan tongkol", "ikan", "KG", 38000, True, "0.5", "0.5"),
    Item("Ikan lele", "ikan", "KG", 27000, True, "1", "0.5"),
    Item("Ikan nila", "ikan", "KG", 34000, True, "0.5", "0.5"),
    Item("Ikan bandeng", "ikan", "KG", 36000, True, "0.5", "0.5"),
    Item("Udang vaname", "ikan", "KG", 85000, True, "0.25", "0.25"),
    Item("Klepon", "jajanan", "BUNGKUS", 5000),
    Item("Onde-onde", "jajanan", "BUAH", 2500),
    Item("Kue lapis", "jajanan", "POTONG", 2000),
    Item("Keripik tempe", "jajanan", "BUNGKUS", 15000),
    Item("Sapu ijuk", "rumah-tangga", "BUAH", 25000),
    Item("Ember plastik", "rumah-tangga", "BUAH", 20000),
    Item("Kaos batik Malangan", "pakaian", "PCS", 65000),
    Item("Daster batik", "pakaian", "PCS", 45000),
]
QUALIFIERS = ["", "segar", "super", "lokal", "pilihan", "grade A", "organik", "kampung", "Batu", "Poncokusumo", "Pujon"]
HONORIFICS = ["Pak", "Bu", "Cak", "Mbak", "Mas", "Ning"]
FIRST_NAMES = ["Slamet", "Sri", "Wahyu", "Lilik", "Hadi", "Yuli", "Agus", "Siti", "Budi", "Rina", "Joko", "Endang"]
STALL_KINDS = ["Sayur Segar", "Toko Sembako", "Ikan Segar", "Buah", "Daging", "Bumbu Dapur", "Jajan Pasar", "Kelontong"]
PHOTO_SIZES = {"THUMB": 200, "SMALL": 600, "MEDIUM": 1200, "LARGE": 1200}
TIER_STEPS = [("5", 0.95), ("10", 0.92), ("25", 0.88)]
RESET_SEQUENCES_SQL = """
SELECT setval(pg_get_serial_sequence('user_account', 'id'), (SELECT MAX(id) FROM user_account)),
       setval(pg_get_serial_sequence('stall', 'id'), (SELECT MAX(id) FROM stall)),
       setval(pg_get_serial_sequence('product', 'id'), (SELECT MAX(id) FROM product)),
       setval(pg_get_serial_sequence('product_photo', 'id'), (SELECT MAX(id) FROM product_photo))
"""


@dataclass
class Seeded:
    """What the seed wrote, for the report and the driver."""

    market_ids: list[int]
    stalls: int = 0
    products: int = 0
    tiers: int = 0
    photos: int = 0


async def create_database(name: str) -> None:
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def drop_database(name: str) -> None:
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _stall_index(product_index: int, markets: int) -> int:
    """Round-robin over the markets, then over each market's stalls: every market gets the same share."""
    market, turn = product_index % markets, product_index // markets
    return market * TRADERS_PER_MARKET + turn % TRADERS_PER_MARKET


def _rupiah(value: float) -> int:
    return max(100, round(value / 100) * 100)


async def seed_catalog(product_count: int, rng: random.Random) -> Seeded:
    """Traders, approved open stalls, products, price tiers and photos, inserted with bulk_create."""
    from tortoise.connection import get_connection

    from src.models.accounts import Role, User
    from src.models.catalog import Category, PriceTier, Product
    from src.models.markets import Market, Stall, StallStatus
    from src.models.media import PhotoStatus, ProductPhoto
    from src.services import passwords, search

    markets = await Market.all().order_by("id").limit(MARKETS)
    categories = {c.slug: c for c in await Category.all()}
    password_hash = await passwords.hash_password("bench-password-2026")  # one argon2 hash for every trader
    seeded = Seeded(market_ids=[m.id for m in markets])

    users, stalls = [], []
    for market_index, market in enumerate(markets):
        for t in range(TRADERS_PER_MARKET):
            pk = len(users) + 1
            honorific, first = rng.choice(HONORIFICS), rng.choice(FIRST_NAMES)
            users.append(
                User(
                    id=pk,
                    phone=f"+62813{market_index:02d}{t:06d}",
                    name=f"{honorific} {first}",
                    role=Role.TRADER,
                    password_hash=password_hash,
                )
            )
            stalls.append(
                Stall(
                    id=pk,
                    market_id=market.id,
                    trader_id=pk,
                    name=f"{rng.choice(STALL_KINDS)} {honorific} {first}",
                    stall_number=f"{'ABCDE'[t % 5]}-{t + 1:02d}",
                    status=StallStatus.APPROVED,
                    is_open=True,
                )
            )
    await User.bulk_create(users, batch_size=500)
    await Stall.bulk_create(stalls, batch_size=500)
    seeded.stalls = len(stalls)

    products, tiers, photos = [], [], []
    for index in range(product_count):
        pk = index + 1
        item = rng.choice(ITEMS)
        name = f"{item.name} {rng.choice(QUALIFIERS)}".strip()
        price = _rupiah(item.price * rng.uniform(0.85, 1.2))
        stock = Decimal(f"{rng.uniform(0, 80):.3f}") if item.weighed else Decimal(rng.randint(0, 200))
        products.append(
            Product(
                id=pk,
                stall_id=stalls[_stall_index(index, len(markets))].id,
                category_id=categories[item.category].id,
                name=name,
                description=f"{name}, langsung dari lapak.",
                unit=item.unit,
                price=price,
                min_quantity=Decimal(item.minimum),
                quantity_step=Decimal(item.step),
                stock=stock,
                is_weighed=item.weighed,
                search_text=search.index_text(name, categories[item.category].name),
            )
        )
        if rng.random() < 0.4:
            for quantity, factor in sorted(rng.sample(TIER_STEPS, rng.randint(1, 2)), key=lambda s: int(s[0])):
                tiers.append(PriceTier(product_id=pk, min_quantity=Decimal(quantity), price=_rupiah(price * factor)))
        if index % 2 == 0:
            photo_id = len(photos) + 1
            variants = {
                f"{size}.{fmt}": f"photos/products/{pk}/{photo_id}/{size.lower()}.{fmt.lower()}"
                for size in PHOTO_SIZES
                for fmt in ("WEBP", "JPEG")
            }
            photos.append(
                ProductPhoto(
                    id=photo_id,
                    product_id=pk,
                    status=PhotoStatus.READY,
                    content_type="image/jpeg",
                    byte_size=rng.randint(800_000, 4_000_000),
                    original_key=f"originals/products/{pk}/{photo_id}",
                    variants=variants,
                    width=1200,
                    height=900,
                )
            )
    await Product.bulk_create(products, batch_size=1000)
    await PriceTier.bulk_create(tiers, batch_size=1000)
    await ProductPhoto.bulk_create(photos, batch_size=1000)
    seeded.products, seeded.tiers, seeded.photos = len(products), len(tiers), len(photos)

    # Explicit primary keys leave the sequences behind; move them on so the database stays usable.
    connection = get_connection("default")
    await connection.execute_query(RESET_SEQUENCES_SQL)
    await connection.execute_script("ANALYZE")
    return seeded


async def prepare_database(database_url: str, product_count: int) -> Seeded:
    """Migrations, reference data (markets, categories), then the benchmark's catalog."""
    from tortoise import Tortoise

    from src import db
    from src.services.seed import seed_reference_data
    from src.settings import Settings

    settings = Settings(database_url=database_url, redis_url=REDIS_URL, environment="dev")
    await db.migrate(settings)
    await Tortoise.close_connections()
    await db.init_orm(settings)
    try:
        await seed_reference_data()
        return await seed_catalog(product_count, random.Random(2026))
    finally:
        await db.close_orm()


# ---------------------------------------------------------------------------------------------------
# The server: one uvicorn process
# ---------------------------------------------------------------------------------------------------


def free_port() -> int:
    """A port nothing listens on: the kernel picks one, then a connect must fail on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    with socket.socket() as probe:
        probe.settimeout(0.5)
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is already answering; refusing to benchmark another server")
    return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@contextmanager
def running_server(
    database_url: str,
    log_dir: Path,
    *,
    app: str = SERVER_APP,
    env: dict[str, str] | None = None,
    workers: int = 1,
    log_name: str = "server.log",
) -> Iterator[Server]:
    """uvicorn with an app factory (one process, or `workers` processes sharing the port), stopped when
    the block ends; `env` adds settings for the server (the other benchmarks reuse this)."""
    port = free_port()
    server_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "ENVIRONMENT": "dev",
        "PYTHONUNBUFFERED": "1",
        # Every request reads the database unless a benchmark says otherwise (bench/load.py measures
        # the deployment as configured, page cache included).
        "CATALOG_CACHE_SECONDS": "0",
        **(env or {}),
    }
    log_path = log_dir / log_name
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        *(["--workers", str(workers)] if workers > 1 else []),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(process=process, base_url=f"http://127.0.0.1:{port}", log_path=log_path)
    try:
        wait_until_ready(server)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(server.base_url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {SERVER_START_TIMEOUT:.0f} s:\n{server.log_tail()}")


# ---------------------------------------------------------------------------------------------------
# The driver: N concurrent keep-alive clients for a fixed time
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: bytes | None = None


@dataclass(frozen=True)
class Target:
    name: str
    calls: list[Call]  # one per market; clients rotate over them


def graphql_target(market_ids: list[int]) -> Target:
    calls = [
        Call("POST", "/graphql", orjson.dumps({"query": CATALOG_QUERY % (PAGE_SIZE, relay.to_base64("Market", m))}))
        for m in market_ids
    ]
    return Target("GraphQL", calls)


def ceiling_target(market_ids: list[int]) -> Target:
    return Target("ceiling", [Call("GET", f"/bench/ceiling?market={m}&first={PAGE_SIZE}") for m in market_ids])


def _proc_cpu_seconds(pid: str, tick: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick  # utime + stime


def _postgres_backends(database: str) -> list[str]:
    """Pids of the PostgreSQL backends connected to the bench database ("postgres: … <db> …")."""
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                    if f" {database} ".encode() in f.read():
                        pids.append(entry.name)
            except OSError:
                continue
    return pids


@dataclass(frozen=True)
class Watched:
    """The processes whose CPU use is reported: the server and the database's backends."""

    server_pid: int
    database: str


@dataclass
class CpuSample:
    """CPU seconds so far (Linux /proc; zeros elsewhere) of the server, PostgreSQL, this driver, the machine."""

    server: float = 0.0
    postgres: dict[str, float] = field(default_factory=dict)  # per backend pid: backends come and go
    driver: float = 0.0
    machine_busy: float = 0.0

    @classmethod
    def take(cls, watched: Watched) -> "CpuSample":
        times = os.times()
        sample = cls(driver=times.user + times.system)
        tick = os.sysconf("SC_CLK_TCK")
        try:
            sample.server = _proc_cpu_seconds(str(watched.server_pid), tick)
            for pid in _postgres_backends(watched.database):
                try:
                    sample.postgres[pid] = _proc_cpu_seconds(pid, tick)
                except OSError:  # a backend that just ended
                    continue
            with open("/proc/stat") as f:
                ticks = [int(v) for v in f.readline().split()[1:9]]
            sample.machine_busy = (sum(ticks) - ticks[3] - ticks[4]) / tick  # all but idle and iowait
        except (OSError, IndexError, ValueError):
            pass
        return sample


@dataclass(frozen=True)
class CpuUse:
    """Average cores busy during an interval."""

    server: float
    postgres: float
    driver: float
    other: float  # everything else on the machine: other programs, the kernel

    @classmethod
    def between(cls, before: CpuSample, after: CpuSample, seconds: float) -> "CpuUse":
        server = (after.server - before.server) / seconds
        postgres = sum(used - before.postgres.get(pid, 0.0) for pid, used in after.postgres.items()) / seconds
        driver = (after.driver - before.driver) / seconds
        machine = (after.machine_busy - before.machine_busy) / seconds
        return cls(server, postgres, driver, max(0.0, machine - server - postgres - driver))


async def idle_load(watched: Watched, seconds: float = 1.0) -> CpuUse:
    """What the machine does while nothing is sent: other programs compete for the same cores."""
    before = CpuSample.take(watched)
    await asyncio.sleep(seconds)
    return CpuUse.between(before, CpuSample.take(watched), seconds)


@dataclass
class RunResult:
    target: str
    seconds: float
    ok: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    cpu: CpuUse | None = None  # while measuring
    first_error: str | None = None

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile_ms(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def is_error(response: httpx.Response) -> bool:
    # GraphQL errors come as {"errors": [...]} with status 200; product names never contain that key.
    return response.status_code != 200 or b'"errors":' in response.content


def _cancelling() -> bool:
    """Whether this task was asked to stop (Ctrl-C): httpcore may turn the cancellation into a read error."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def _client(client: httpx.AsyncClient, target: Target, offset: int, deadline: float, result: RunResult) -> None:
    calls, index = target.calls, offset
    while time.perf_counter() < deadline:
        call = calls[index % len(calls)]
        index += 1
        started = time.perf_counter()
        try:
            response = await client.request(call.method, call.path, content=call.body, headers=JSON_HEADERS)
        except httpx.HTTPError as exc:
            if _cancelling():
                raise asyncio.CancelledError from exc
            result.errors += 1
            result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"
            await asyncio.sleep(0.01)
            continue
        result.latencies.append(time.perf_counter() - started)
        if is_error(response):
            result.errors += 1
            result.first_error = result.first_error or f"HTTP {response.status_code}: {response.text[:300]}"
        else:
            result.ok += 1


async def run_target(
    clients: list[httpx.AsyncClient], target: Target, *, seconds: float, warmup: float, watched: Watched
) -> RunResult:
    """Warm up, then measure for `seconds`: every client sends its next request as soon as one returns."""
    if warmup > 0:
        scratch = RunResult(target.name, warmup)
        deadline = time.perf_counter() + warmup
        await asyncio.gather(*(_client(c, target, i, deadline, scratch) for i, c in enumerate(clients)))
    result = RunResult(target.name, seconds)
    before = CpuSample.take(watched)
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_client(c, target, i, deadline, result) for i, c in enumerate(clients)))
    result.seconds = time.perf_counter() - started
    result.cpu = CpuUse.between(before, CpuSample.take(watched), result.seconds)
    return result


@dataclass
class Sample:
    """One response of each target for the same market, to compare their sizes and content."""

    graphql_bytes: int
    ceiling_bytes: int
    difference: str | None  # where the two JSON documents first differ; None when they are equal
    edges: int
    has_next_page: bool


def first_difference(a: Any, b: Any, path: str = "$") -> str | None:
    """The first place two decoded JSON documents differ, as a path with both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            if key not in a or key not in b:
                return f"{path}.{key}: only in {'GraphQL' if key in a else 'ceiling'}"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items in GraphQL, {len(b)} in ceiling"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: GraphQL {a!r}, ceiling {b!r}"


async def sample_responses(client: httpx.AsyncClient, graphql: Target, ceiling: Target) -> Sample:
    g_call, c_call = graphql.calls[0], ceiling.calls[0]
    g = await client.request(g_call.method, g_call.path, content=g_call.body, headers=JSON_HEADERS)
    c = await client.request(c_call.method, c_call.path)
    for name, response in (("GraphQL", g), ("ceiling", c)):
        if is_error(response):
            raise RuntimeError(f"{name} answered HTTP {response.status_code}: {response.text[:500]}")
    g_json, c_json = orjson.loads(g.content), orjson.loads(c.content)
    products = g_json["data"]["products"]
    return Sample(
        graphql_bytes=len(g.content),
        ceiling_bytes=len(c.content),
        difference=first_difference(g_json, c_json),
        edges=len(products["edges"]),
        has_next_page=products["pageInfo"]["hasNextPage"],
    )


@dataclass
class Measurements:
    sample: Sample
    idle: CpuUse
    results: list[RunResult]


async def measure(
    base_url: str, market_ids: list[int], *, clients: int, seconds: float, warmup: float, watched: Watched
) -> Measurements:
    graphql, ceiling = graphql_target(market_ids), ceiling_target(market_ids)
    # One client (one keep-alive connection) per simulated buyer: httpcore's shared pool rescans all its
    # connections for every request, which costs the driver several times the CPU at 32 connections.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with AsyncExitStack() as stack:
        pool = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT)
            )
            for _ in range(clients)
        ]
        sample = await sample_responses(pool[0], graphql, ceiling)
        idle = await idle_load(watched)
        if idle.other > 0.25:
            print(f"  warning: {idle.other:.2f} cores busy with other programs before the run", flush=True)
        results = []
        for target in (graphql, ceiling):
            print(f"  measuring {target.name}: {warmup:g} s warm-up, {seconds:g} s …", flush=True)
            results.append(await run_target(pool, target, seconds=seconds, warmup=warmup, watched=watched))
    return Measurements(sample, idle, results)


def run_driver(coro_factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run, on uvloop when it is installed (it is, with uvicorn[standard]): less driver CPU."""
    # httpcore asks `import sniffio` on every request; sniffio is not installed, and each failed import
    # searches sys.path again (~0.3 ms of driver CPU per request). A None entry fails the import at once,
    # which is what httpcore expects without sniffio (it then assumes asyncio, which is what runs here).
    if importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro_factory())
    return uvloop.run(coro_factory())


# ---------------------------------------------------------------------------------------------------
# Report and command line
# ---------------------------------------------------------------------------------------------------


def report(args: argparse.Namespace, seeded: Seeded, measured: Measurements) -> None:
    sample, idle, results = measured.sample, measured.idle, measured.results
    by_name = {r.target: r for r in results}
    print()
    print(
        f"catalog page: {PAGE_SIZE} products of one market ({len(seeded.market_ids)} markets rotated), "
        f"1 uvicorn process, {args.clients} clients, {args.seconds:g} s each after {args.warmup:g} s warm-up, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"seeded: {seeded.products:,} products in {len(seeded.market_ids)} markets, {seeded.stalls} stalls, "
        f"{seeded.tiers:,} price tiers, {seeded.photos:,} photos"
    )
    print(
        f"one response: GraphQL {sample.graphql_bytes:,} bytes, ceiling {sample.ceiling_bytes:,} bytes; "
        f"{sample.edges} edges, hasNextPage={sample.has_next_page}; "
        f"same JSON: {'yes' if sample.difference is None else 'NO, first difference at ' + sample.difference}"
    )
    print(f"before the run, other programs kept {idle.other:.2f} cores busy")
    print()
    columns = f"{'':<9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'requests':>10}"
    header = f"{columns}   CPU cores: server  postgres  driver  other   server ms/req"
    print(header)
    print("-" * len(header))
    for r in results:
        cpu = r.cpu or CpuUse(0, 0, 0, 0)
        per_request = cpu.server * r.seconds * 1000 / r.ok if r.ok else float("nan")
        print(
            f"{r.target:<9}{r.rate:>9.1f}{r.percentile_ms(0.50):>9.1f}{r.percentile_ms(0.99):>9.1f}"
            f"{r.errors:>8}{r.ok + r.errors:>10}   {'':<11}{cpu.server:>6.2f}{cpu.postgres:>10.2f}"
            f"{cpu.driver:>8.2f}{cpu.other:>7.2f}{per_request:>16.2f}"
        )
    ceiling = by_name["ceiling"].rate
    ratio = by_name["GraphQL"].rate / ceiling if ceiling else float("nan")
    print()
    print(f"GraphQL req/s ÷ ceiling req/s = {ratio:.2f}")
    costs = {r.target: r.cpu.server * r.seconds * 1000 / r.ok for r in results if r.cpu and r.ok}
    if costs.get("GraphQL") and costs.get("ceiling"):
        print(
            f"server CPU per request: GraphQL {costs['GraphQL']:.2f} ms, ceiling {costs['ceiling']:.2f} ms "
            f"(ceiling ÷ GraphQL = {costs['ceiling'] / costs['GraphQL']:.2f}; "
            "unlike req/s this does not depend on the cores left to PostgreSQL and the driver)"
        )
    for r in results:
        if r.first_error:
            print(f"first {r.target} error: {r.first_error}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring time per target (default 20)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent keep-alive clients (default 32)")
    parser.add_argument("--products", type=int, default=2000, help="products to seed (default 2000)")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up per target, not measured (default 2)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.clients < 1 or args.products < 1 or args.warmup < 0:
        parser.error("--seconds, --clients and --products must be positive, --warmup not negative")
    return args


def on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_sigterm)  # `kill` cleans up like Ctrl-C: server stopped, database dropped
    name = f"pasar_bench_{secrets.token_hex(4)}"
    database_url = PG_BENCH_URL.format(name=name)
    print(f"database {name}: creating, migrating, seeding {args.products:,} products …", flush=True)
    asyncio.run(create_database(name))
    try:
        started = time.perf_counter()
        seeded = asyncio.run(prepare_database(database_url, args.products))
        print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)
        with (
            tempfile.TemporaryDirectory(prefix="pasar-bench-") as log_dir,
            running_server(database_url, Path(log_dir)) as server,
        ):
            print(f"server: uvicorn {SERVER_APP} on {server.base_url} (pid {server.process.pid})", flush=True)
            measured = run_driver(
                lambda: measure(
                    server.base_url,
                    seeded.market_ids,
                    clients=args.clients,
                    seconds=args.seconds,
                    warmup=args.warmup,
                    watched=Watched(server.process.pid, name),
                )
            )
            if server.process.poll() is not None:
                print(f"warning: the server exited during the run:\n{server.log_tail()}", file=sys.stderr)
        report(args, seeded, measured)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        asyncio.run(drop_database(name))
        print(f"database {name} dropped", flush=True)


if __name__ == "__main__":
    main()

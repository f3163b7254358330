"""Notification delivery: how many notifications ONE worker process sends by email and webhook, and how late.

What it measures
    How many notifications per second ONE `pasar worker` process delivers, each by email (to a real SMTP
    server) and by webhook (to a real HTTP receiver), when orders are placed as fast as the database takes
    them, and the delay from an order's commit to each delivery (p50/p99). Every COD order with items
    from 2 stalls makes one outbox event and 3 notifications (2 traders and the buyer), each sent on both
    channels: 6 deliveries per order. It also checks that nothing is sent twice: a notification delivered
    twice on a channel (same webhook "id", same email Message-ID) is a duplicate ("duplicates: 0").
    It prints figures and asserts no timings.

How
    1. Creates a PostgreSQL database `pasar_bench_<random>` on 127.0.0.1:5432 (user postgres), applies
       the migrations, seeds the markets and categories, then adds, in Pasar Besar Malang, 2 traders
       (with emails, one Indonesian, one English) with approved, open stalls, a few products each with
       plenty of stock, and N buyers with emails (every fourth English).
    2. Starts, in a helper process (neither this one nor the worker's), an aiosmtpd Controller and a
       Starlette app under uvicorn, each on a free port, that record every message or request with its
       arrival time (time.time()) and answer 250 / 200.
    3. Flushes Redis database 12 and starts ONE `.venv/bin/pasar worker` with DATABASE_URL, REDIS_URL,
       SECRET_KEY, EMAIL_ENABLED, SMTP_HOST/SMTP_PORT, WEBHOOK_ENABLED/WEBHOOK_URL/WEBHOOK_SECRET and
       WORKER_POLL_DELAY=0.01, and waits for its arq health-check key.
    4. In this process, places K orders with `src.services.orders.place_order` (C at a time, optionally
       paced at R orders/s), each with one product of each stall, COD, tomorrow AFTERNOON, records the
       time each returned (its commit), then hands the outbox over with
       `src.services.notifications.hand_over`, as the API does after a commit.
    5. Waits until every expected email and webhook call arrived (or a timeout), a little longer for
       late duplicates, then matches each delivery to its order (email Subject, webhook params.number)
       and prints: deliveries and notifications per second from the first commit to the last delivery,
       the commit-to-delivery delay per channel, duplicates, the notifications' statuses in the
       database, the CPU used by the worker, PostgreSQL, this process and everything else (from /proc),
       and a summary of the worker's log (errors, warnings, retries, with samples).
    6. Stops the worker and the receivers and drops the database, also on failure, Ctrl-C or SIGTERM.

    Placing as fast as possible saturates the worker, so the delays then mostly measure the queue that
    builds up; --rate paces the orders below the worker's rate to see the delay of an idle-ish worker.

Run from the repository root:
    .venv/bin/python bench/notifications.py [--orders 200] [--buyers 50] [--concurrency 4] [--rate 0]
"""

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from email import policy
from email.parser import BytesParser
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import redis

from bench.catalog import (
    PG_BENCH_URL,
    ROOT,
    CpuSample,
    CpuUse,
    Watched,
    create_database,
    drop_database,
    free_port,
    on_sigterm,
    run_driver,
)

REDIS_URL = "redis://127.0.0.1:6379/12"
HEALTH_CHECK_KEY = "arq:queue:health-check"  # arq's default queue name + ":health-check"
SECRET_KEY = "pasar-bench-notifications-secret-key-not-for-production"
WEBHOOK_SECRET = "pasar-bench-webhook-secret"
WORKER_POLL_DELAY = "0.01"
WORKER_START_TIMEOUT = 30.0
RECEIVERS_START_TIMEOUT = 30.0
SETTLE_SECONDS = 1.0  # after everything expected arrived: time for a late duplicate to show up
MARKET_SLUG = "pasar-besar"
STALLS = 2  # every order has one product of each stall
NOTIFICATIONS_PER_ORDER = STALLS + 1  # each trader and the buyer
CHANNELS = ("email", "webhook")
PRICE = 25_000
STOCK = Decimal(1_000_000)
WIB = ZoneInfo("Asia/Jakarta")
NUMBER = re.compile(r"PSR-\d{8}-\d+")
MESSAGE_ID = re.compile(r"<notification-(\d+)@pasar-online>")
TRADERS = [  # (name, stall, email, language, products)
    ("Pak Slamet", "Ikan Segar Pak Slamet", "slamet@example.id", "id", ["Ikan tongkol", "Ikan lele", "Udang"]),
    ("Bu Lilik", "Sembako Bu Lilik", "lilik@example.id", "en", ["Beras IR64", "Gula pasir", "Minyak goreng"]),
]


# ---------------------------------------------------------------------------------------------------
# Seed: one market, two stalls with products, buyers with emails
# ---------------------------------------------------------------------------------------------------


@dataclass
class World:
    market: str
    lat: float
    lng: float
    products: list[list[int]]  # per stall
    buyer_ids: list[int]


async def seed_world(buyers: int) -> World:
    from src.models.accounts import BuyerType, Role, User
    from src.models.catalog import Category, Product, Unit
    from src.models.markets import Market, Stall, StallStatus
    from src.services import search

    password_hash = "bench-not-a-real-argon2-hash"  # nobody logs in
    market = await Market.get(slug=MARKET_SLUG)
    category = await Category.get(slug="sembako")
    products: list[list[int]] = []
    for n, (name, stall_name, address, language, items) in enumerate(TRADERS):
        trader = await User.create(
            phone=f"+628129{n:07d}",
            name=name,
            role=Role.TRADER,
            email=address,
            language=language,
            password_hash=password_hash,
        )
        stall = await Stall.create(
            market=market,
            trader=trader,
            name=stall_name,
            stall_number=f"C-{n + 1:02d}",
            status=StallStatus.APPROVED,
            is_open=True,
        )
        ids = []
        for item in items:
            product = await Product.create(
                stall=stall,
                category=category,
                name=item,
                description="Langsung dari lapak.",
                unit=Unit.PCS,
                price=PRICE,
                min_quantity=Decimal(1),
                quantity_step=Decimal(1),
                stock=STOCK,
                is_weighed=False,
                search_text=search.index_text(item, category.name),
            )
            ids.append(product.id)
        products.append(ids)
    people = [
        User(
            phone=f"+628127{n:07d}",
            name=f"Pembeli {n + 1}",
            role=Role.BUYER,
            buyer_type=BuyerType.HOUSEHOLD,
            email=f"pembeli{n + 1}@example.id",
            language="en" if n % 4 == 3 else "id",
            password_hash=password_hash,
        )
        for n in range(buyers)
    ]
    await User.bulk_create(people, batch_size=500)
    buyer_ids = list(await User.filter(role=Role.BUYER).order_by("id").values_list("id", flat=True))
    return World(market.name, float(market.latitude), float(market.longitude), products, buyer_ids)  # type: ignore[arg-type]


def bench_settings(database_url: str) -> Any:
    from pydantic import SecretStr

    from src.settings import Settings

    # Only the worker delivers: this process places orders, with limits that never refuse one.
    return Settings(
        database_url=database_url,
        redis_url=REDIS_URL,
        secret_key=SecretStr(SECRET_KEY),
        environment="dev",
        slot_capacity=1_000_000,
        cod_max_total=1_000_000_000,
    )


async def prepare_database(database_url: str, buyers: int) -> World:
    from tortoise import Tortoise

    from src import db
    from src.services.seed import seed_reference_data

    settings = bench_settings(database_url)
    await db.migrate(settings)
    await Tortoise.close_connections()
    await db.init_orm(settings)
    try:
        await seed_reference_data()
        return await seed_world(buyers)
    finally:
        await db.close_orm()


# ---------------------------------------------------------------------------------------------------
# The receivers: an SMTP server and a chat-gateway stand-in, in a helper process
# ---------------------------------------------------------------------------------------------------


class Mailbox:
    """aiosmtpd handler: keeps each message's raw bytes with its arrival time."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrivals.append((time.time(), envelope.content))
        return "250 OK"


class Gateway:
    """A webhook receiver: keeps each request's body with its arrival time and answers 200."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, bytes]] = []

    async def endpoint(self, request: Any) -> Any:
        from starlette.responses import Response

        body = await request.body()
        self.arrivals.append((time.time(), body))
        return Response(status_code=200)


def serve_receivers(conn: Connection) -> None:
    """The helper process: both servers in threads; the pipe asks for counts, then for everything."""
    import uvicorn
    from aiosmtpd.controller import Controller
    from starlette.applications import Starlette
    from starlette.routing import Route

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent stops us
    mailbox, gateway = Mailbox(), Gateway()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    http_port = free_port()
    app = Starlette(routes=[Route("/gateway", gateway.endpoint, methods=["POST"])])
    config = uvicorn.Config(
        app, host="127.0.0.1", port=http_port, log_level="warning", lifespan="off", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="gateway", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + RECEIVERS_START_TIMEOUT
        while not server.started:  # uvicorn offers no event to wait on
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the webhook receiver did not start")
            time.sleep(0.01)
        conn.send((controller.port, http_port))
        while True:
            command = conn.recv()
            if command == "count":
                conn.send((len(mailbox.arrivals), len(gateway.arrivals)))
            else:
                conn.send((list(mailbox.arrivals), list(gateway.arrivals)))
                break
    except EOFError:
        pass  # the parent went away
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        controller.stop()


@dataclass
class Receivers:
    process: Any  # multiprocessing.Process of the spawn context
    conn: Connection
    smtp_port: int
    http_port: int

    def _answer(self, timeout: float = 30.0) -> Any:
        if not self.conn.poll(timeout):
            raise RuntimeError("the receivers' process did not answer")
        return self.conn.recv()

    def counts(self) -> tuple[int, int]:
        self.conn.send("count")
        return self._answer()  # type: ignore[no-any-return]

    def collect(self) -> tuple[list[tuple[float, bytes]], list[tuple[float, bytes]]]:
        """Every email and webhook call received, with arrival times; the receivers stop."""
        self.conn.send("stop")
        return self._answer()  # type: ignore[no-any-return]


@contextmanager
def running_receivers() -> Iterator[Receivers]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=serve_receivers, args=(child,), name="bench-receivers", daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(RECEIVERS_START_TIMEOUT):
            raise RuntimeError("the receivers did not start")
        smtp_port, http_port = parent.recv()
        yield Receivers(process, parent, smtp_port, http_port)
    finally:
        if process.is_alive():
            try:
                parent.send("stop")
            except OSError:
                pass
            process.join(5)
        if process.is_alive():
            process.terminate()
            process.join(5)
        parent.close()


# ---------------------------------------------------------------------------------------------------
# The worker: one `pasar worker` process
# ---------------------------------------------------------------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_lines(self) -> list[str]:
        try:
            return self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []


def flush_redis() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


@contextmanager
def running_worker(database_url: str, receivers: Receivers, log_dir: Path) -> Iterator[Worker]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": SECRET_KEY,
        "ENVIRONMENT": "dev",
        "EMAIL_ENABLED": "true",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(receivers.smtp_port),
        "WEBHOOK_ENABLED": "true",
        "WEBHOOK_URL": f"http://127.0.0.1:{receivers.http_port}/gateway",
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "WORKER_POLL_DELAY": WORKER_POLL_DELAY,
        "PYTHONUNBUFFERED": "1",
    }
    log_path = log_dir / "worker.log"
    command = [str(Path(sys.executable).parent / "pasar"), "worker"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    worker = Worker(process, log_path)
    try:
        wait_for_worker(worker)
        yield worker
    finally:
        if process.poll() is None:
            process.terminate()  # arq stops on SIGTERM
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for_worker(worker: Worker) -> None:
    """Until arq wrote its health-check key: it polls the queue from then on."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while time.monotonic() < deadline:
            if worker.process.poll() is not None:
                tail = "\n".join(worker.log_lines()[-30:])
                raise RuntimeError(f"the worker exited with {worker.process.returncode}:\n{tail}")
            if client.exists(HEALTH_CHECK_KEY):
                return
            time.sleep(0.1)
    finally:
        client.close()
    tail = "\n".join(worker.log_lines()[-30:])
    raise RuntimeError(f"the worker did not start within {WORKER_START_TIMEOUT:.0f} s:\n{tail}")


# ---------------------------------------------------------------------------------------------------
# The load: orders placed in this process, each handed over after its commit
# ---------------------------------------------------------------------------------------------------


@dataclass
class Load:
    commits: dict[str, float] = field(default_factory=dict)  # order number → time.time() after its commit
    failures: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)
    started: float = 0.0  # time.time() when the first order was sent
    finished: float = 0.0  # time.time() after the last hand-over

    @property
    def first_commit(self) -> float:
        return min(self.commits.values())

    @property
    def last_commit(self) -> float:
        return max(self.commits.values())


def tomorrow_wib() -> Any:
    return (datetime.now(WIB) + timedelta(days=1)).date()


async def place_orders(world: World, settings: Any, queue: Any, args: argparse.Namespace) -> Load:
    from src.models.accounts import User
    from src.models.orders import PaymentMethod, SlotWindow
    from src.services import orders as orders_service
    from src.services.notifications import hand_over

    buyers = {u.id: u for u in await User.filter(id__in=world.buyer_ids)}
    rng = random.Random(2026)
    slot = orders_service.SlotInput(tomorrow_wib(), SlotWindow.AFTERNOON)
    requests = []
    for i in range(args.orders):
        buyer = buyers[world.buyer_ids[i % len(world.buyer_ids)]]
        items = [orders_service.ItemInput(rng.choice(ids), Decimal(rng.randint(1, 2))) for ids in world.products]
        address = orders_service.AddressInput(
            line=f"Jl. Kawi No. {buyer.id % 200 + 1}",
            area="Klojen",
            recipient_name=buyer.name,
            recipient_phone=buyer.phone,
            lat=round(world.lat + 0.005, 6),
            lng=world.lng,
        )
        request = orders_service.OrderRequest(
            items=items,
            address=address,
            slot=slot,
            payment_method=PaymentMethod.COD,
            note="",
            idempotency_key=f"bench-notify-{i}",
        )
        requests.append((buyer, request))

    load = Load()
    pending = iter(enumerate(requests))
    start = time.perf_counter()

    async def placer() -> None:
        for index, (buyer, request) in pending:
            if args.rate > 0:
                await asyncio.sleep(max(0.0, start + index / args.rate - time.perf_counter()))
            try:
                order = await orders_service.place_order(actor=buyer, request=request, settings=settings)
            except Exception as exc:  # counted and sampled: fewer deliveries are then expected
                kind = type(exc).__name__
                load.failures[kind] += 1
                load.samples.setdefault(kind, repr(exc)[:300])
                continue
            load.commits[order.number] = time.time()
            await hand_over(queue)  # what the API does once the order is committed

    load.started = time.time()
    await asyncio.gather(*(placer() for _ in range(args.concurrency)))
    load.finished = time.time()
    return load


# ---------------------------------------------------------------------------------------------------
# Measuring: place, wait for every delivery, read the database
# ---------------------------------------------------------------------------------------------------


@dataclass
class Measured:
    load: Load
    expected: int  # notifications expected: NOTIFICATIONS_PER_ORDER per placed order
    complete: bool  # everything expected arrived before the timeout
    waited: float  # seconds from the first order to the moment everything had arrived (or the timeout)
    mails: list[tuple[float, bytes]]
    calls: list[tuple[float, bytes]]
    cpu: CpuUse
    statuses: list[dict[str, Any]]
    undispatched: int


async def wait_for_deliveries(receivers: Receivers, worker: Worker, expected: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        emails, calls = await asyncio.to_thread(receivers.counts)
        if emails >= expected and calls >= expected:
            return True
        if worker.process.poll() is not None or time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)


async def measure(
    database_url: str, world: World, receivers: Receivers, worker: Worker, watched: Watched, args: argparse.Namespace
) -> Measured:
    from tortoise.connection import get_connection

    from src import db
    from src.jobs.queue import create_queue

    settings = bench_settings(database_url)
    await db.init_orm(settings)
    queue = create_queue(settings)
    try:
        before = CpuSample.take(watched)
        started = time.perf_counter()
        load = await place_orders(world, settings, queue, args)
        expected = NOTIFICATIONS_PER_ORDER * len(load.commits)
        print(
            f"  placed {len(load.commits)} orders in {load.finished - load.started:.1f} s; "
            f"waiting for {expected} emails and {expected} webhook calls …",
            flush=True,
        )
        complete = await wait_for_deliveries(receivers, worker, expected, args.timeout)
        waited = time.perf_counter() - started
        cpu = CpuUse.between(before, CpuSample.take(watched), waited)
        await asyncio.sleep(SETTLE_SECONDS)
        mails, calls = await asyncio.to_thread(receivers.collect)
        connection = get_connection("default")
        statuses = await connection.execute_query_dict(
            "SELECT email_status, webhook_status, COUNT(*) AS n, "
            "SUM(GREATEST(email_attempts - 1, 0)) AS email_retries, "
            "SUM(GREATEST(webhook_attempts - 1, 0)) AS webhook_retries "
            "FROM notification GROUP BY 1, 2 ORDER BY 3 DESC"
        )
        rows = await connection.execute_query_dict("SELECT COUNT(*) AS n FROM outbox_event WHERE dispatched_at IS NULL")
    finally:
        await queue.aclose()
        await db.close_orm()
    return Measured(load, expected, complete, waited, mails, calls, cpu, statuses, int(rows[0]["n"]))


# ---------------------------------------------------------------------------------------------------
# Report and command line
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    channel: str
    arrived: float
    notification_id: int | None
    number: str | None


def parse_deliveries(measured: Measured) -> list[Delivery]:
    parser = BytesParser(policy=policy.default)
    found = []
    for arrived, raw in measured.mails:
        message = parser.parsebytes(raw, headersonly=True)
        ident = MESSAGE_ID.search(str(message["Message-ID"] or ""))
        number = NUMBER.search(str(message["Subject"] or ""))
        found.append(
            Delivery("email", arrived, int(ident.group(1)) if ident else None, number.group(0) if number else None)
        )
    for arrived, raw in measured.calls:
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            found.append(Delivery("webhook", arrived, None, None))
            continue
        found.append(Delivery("webhook", arrived, body.get("id"), (body.get("params") or {}).get("number")))
    return found


def percentile_ms(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def _p(values: list[float]) -> str:
    return f"p50 {percentile_ms(values, 0.5):,.0f} ms, p99 {percentile_ms(values, 0.99):,.0f} ms"


def summarise_log(lines: list[str]) -> tuple[str, list[str]]:
    errors = [line for line in lines if " ERROR " in line or "Traceback" in line]
    warnings = [line for line in lines if " WARNING " in line]
    retries = sum("retrying job" in line for line in lines)
    failed = sum(" failed" in line and " ! " in line for line in lines)
    jobs = Counter(  # arq logs "<secs>s ← <job id>:<function> ● <result>" when a job finishes
        line.split(" ← ", 1)[1].split(" ", 1)[0].rsplit(":", 1)[-1] for line in lines if " ← " in line
    )
    done = ", ".join(f"{name} {count}" for name, count in sorted(jobs.items())) or "none seen"
    text = (
        f"{len(lines):,} lines; jobs finished: {done}; errors {len(errors)}, warnings {len(warnings)}, "
        f"retries {retries}, failed jobs {failed}"
    )
    return text, (errors + warnings)[:6]


def report(args: argparse.Namespace, measured: Measured, worker: Worker) -> None:
    load, expected = measured.load, measured.expected
    deliveries = parse_deliveries(measured)
    placed = len(load.commits)
    print()
    print(
        f"notifications: 1 `pasar worker` process (arq, max_jobs 20, poll delay {WORKER_POLL_DELAY} s), "
        f"aiosmtpd and uvicorn receivers in a helper process, {os.cpu_count()} CPUs"
    )
    pace = f"paced at {args.rate:g} orders/s" if args.rate > 0 else "as fast as they go"
    span_placing = load.finished - load.started
    print(
        f"load: {placed} COD orders (2 stalls each) placed by {args.concurrency} concurrent placers, {pace}, "
        f"in {span_placing:.2f} s ({placed / span_placing if span_placing else float('nan'):.1f} orders/s, "
        f"{expected / span_placing if span_placing else float('nan'):.1f} notifications/s offered), "
        f"each handed over after its commit"
    )
    if load.failures:
        print(f"ORDERS NOT PLACED: {dict(load.failures)}; sample: {next(iter(load.samples.values()))}")
    if not placed:
        print("no order was placed: nothing to measure")
        return

    by_channel: dict[str, list[Delivery]] = {c: [d for d in deliveries if d.channel == c] for c in CHANNELS}
    ids = {c: Counter(d.notification_id for d in by_channel[c]) for c in CHANNELS}
    duplicates = {c: sum(n - 1 for n in ids[c].values() if n > 1) for c in CHANNELS}
    both = set(ids["email"]) & set(ids["webhook"]) - {None}
    unmatched = [d for d in deliveries if d.number not in load.commits]
    print(
        f"expected: {expected} notifications ({NOTIFICATIONS_PER_ORDER} per order) × 2 channels = "
        f"{2 * expected} deliveries"
    )
    print(
        f"received: {len(by_channel['email'])} emails, {len(by_channel['webhook'])} webhook calls; "
        f"notifications delivered on both channels: {len(both)} of {expected}"
        + ("" if measured.complete else f"  — INCOMPLETE after the {args.timeout:g} s timeout")
    )
    if not deliveries:
        return
    last = max(d.arrived for d in deliveries)
    span = last - load.first_commit
    print(
        f"span: first commit → last delivery {span:.2f} s; the last delivery came "
        f"{last - load.last_commit:.2f} s after the last commit"
    )
    rate = (lambda n: n / span) if span > 0 else (lambda n: float("nan"))
    print(
        f"throughput: {rate(len(deliveries)):.1f} deliveries/s (email + webhook), "
        f"{rate(len(both)):.1f} notifications/s (delivered on both channels)"
    )
    delays = {c: [d.arrived - load.commits[d.number] for d in by_channel[c] if d.number in load.commits]
              for c in CHANNELS}  # fmt: skip
    told: dict[str, list[float]] = {}
    for d in deliveries:
        if d.number in load.commits:
            told.setdefault(d.number, []).append(d.arrived)
    fully = [max(times) - load.commits[n] for n, times in told.items() if len(times) >= 2 * NOTIFICATIONS_PER_ORDER]
    print("delay commit → delivery:")
    print(f"  email   {_p(delays['email'])}")
    print(f"  webhook {_p(delays['webhook'])}")
    print(f"  all     {_p(delays['email'] + delays['webhook'])}")
    print(f"  order fully told (all {2 * NOTIFICATIONS_PER_ORDER} deliveries, {len(fully)} orders) {_p(fully)}")
    print(f"duplicates: email {duplicates['email']}, webhook {duplicates['webhook']}")
    if unmatched:
        print(f"deliveries matching no order placed here: {len(unmatched)}; sample: {unmatched[0]}")
    statuses = "; ".join(
        f"email {r['email_status']} / webhook {r['webhook_status']}: {r['n']}" for r in measured.statuses
    )
    retries = {c: sum(int(r[f"{c}_retries"] or 0) for r in measured.statuses) for c in CHANNELS}
    print(
        f"database: notifications {statuses or 'none'}; attempts beyond the first: email {retries['email']}, "
        f"webhook {retries['webhook']}; outbox events not handed over: {measured.undispatched}"
    )
    cpu = measured.cpu
    per_delivery = cpu.server * measured.waited * 1000 / len(deliveries)
    print(
        f"CPU cores over {measured.waited:.1f} s (first order → all delivered): worker {cpu.server:.2f}, "
        f"postgres {cpu.postgres:.2f}, this process (placing) {cpu.driver:.2f}, other (receivers, Redis, …) "
        f"{cpu.other:.2f}; worker CPU per delivery {per_delivery:.2f} ms"
    )
    text, samples = summarise_log(worker.log_lines())
    print(f"worker log: {text}")
    for line in samples:
        print(f"  {line[:400]}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--orders", type=int, default=200, help="orders to place (default 200)")
    parser.add_argument("--buyers", type=int, default=50, help="buyers placing them, in turn (default 50)")
    parser.add_argument("--concurrency", type=int, default=4, help="orders placed at once (default 4)")
    parser.add_argument("--rate", type=float, default=0.0, help="orders per second; 0: as fast as possible")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for deliveries (default 180)")
    args = parser.parse_args(argv)
    if args.orders < 1 or args.buyers < 1 or args.concurrency < 1 or args.rate < 0 or args.timeout <= 0:
        parser.error("--orders, --buyers, --concurrency and --timeout must be positive, --rate not negative")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_sigterm)  # `kill` cleans up like Ctrl-C: worker stopped, database dropped
    name = f"pasar_bench_{secrets.token_hex(4)}"
    database_url = PG_BENCH_URL.format(name=name)
    print(f"database {name}: creating, migrating, seeding {args.buyers} buyers …", flush=True)
    asyncio.run(create_database(name))
    try:
        world = asyncio.run(prepare_database(database_url, args.buyers))
        flush_redis()
        with (
            tempfile.TemporaryDirectory(prefix="pasar-bench-") as log_dir,
            running_receivers() as receivers,
            running_worker(database_url, receivers, Path(log_dir)) as worker,
        ):
            print(
                f"receivers: SMTP on 127.0.0.1:{receivers.smtp_port}, webhook on 127.0.0.1:{receivers.http_port} "
                f"(pid {receivers.process.pid}); worker pid {worker.process.pid}",
                flush=True,
            )
            watched = Watched(worker.process.pid, name)
            measured = run_driver(lambda: measure(database_url, world, receivers, worker, watched, args))
            if worker.process.poll() is not None:
                print(f"warning: the worker exited during the run with {worker.process.returncode}", file=sys.stderr)
            report(args, measured, worker)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        asyncio.run(drop_database(name))
        flush_redis()
        print(f"database {name} dropped, Redis database 12 flushed", flush=True)


if __name__ == "__main__":
    main()

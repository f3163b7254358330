"""Notification delivery: how many notifications ONE worker process sends by email and webhook, and how late.

Deliveries/s of ONE `pasar worker` (email to a real SMTP server, webhooks to a real HTTP receiver, both in
a helper process recording arrival times) while this process places COD orders with `place_order` as fast
as the database takes them (or paced with --rate), handing the outbox over after each commit as the API
does; and the delay from each order's commit to each delivery (p50/p99). Every order (one product of each
of 2 stalls) makes 3 notifications (2 traders, the buyer) on 2 channels: 6 deliveries. A notification
delivered twice on a channel (same webhook "id" or email Message-ID) is a duplicate ("duplicates: 0").
Also printed: the notifications' statuses in the database, CPU, and a summary of the worker's log.
Placing as fast as possible saturates the worker, so the delays then mostly measure the queue; --rate
below the worker's rate shows the delay of an idle-ish worker.

    .venv/bin/python bench/notifications.py [--orders 200] [--buyers 50] [--concurrency 4] [--rate 0]
"""

import asyncio
import multiprocessing
import queue
import random
import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import aclosing, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from email import policy
from email.parser import BytesParser
from typing import Any

import orjson

from bench.harness import cli, database, driver, report, seeding, servers
from bench.harness.cpu import CpuUse, Meter
from src.jobs.queue import create_queue
from src.models.catalog import Category
from src.models.markets import Market
from src.services import orders as orders_service
from src.services.notifications import hand_over

WORKER_POLL_DELAY = "0.01"
SETTLE_SECONDS = 1.0  # after everything expected arrived: time for a late duplicate to show up
NOTIFICATIONS_PER_ORDER = 3  # each of the 2 traders and the buyer
CHANNELS = ("email", "webhook")
NUMBER = re.compile(r"PSR-\d{8}-\d+")
MESSAGE_ID = re.compile(r"<notification-(\d+)@pasar-online>")
TRADERS = [  # (name, stall, email, language, products)
    ("Pak Slamet", "Ikan Segar Pak Slamet", "slamet@example.id", "id", ["Ikan tongkol", "Ikan lele", "Udang"]),
    ("Bu Lilik", "Sembako Bu Lilik", "lilik@example.id", "en", ["Beras IR64", "Gula pasir", "Minyak goreng"]),
]
STATUS_SQL = """SELECT email_status, webhook_status, COUNT(*) AS n,
SUM(GREATEST(email_attempts - 1, 0)) AS email_retries, SUM(GREATEST(webhook_attempts - 1, 0)) AS webhook_retries
FROM notification GROUP BY 1, 2 ORDER BY 3 DESC"""
UNDISPATCHED_SQL = "SELECT COUNT(*) AS n FROM outbox_event WHERE dispatched_at IS NULL"


async def seed_world(settings: Any, buyers: int) -> tuple[Market, list[list[int]], list[seeding.Person]]:
    """Pasar Besar, the traders' stalls and products (their ids per stall), and the buyers."""
    market, category = await Market.get(slug="pasar-besar"), await Category.get(slug="sembako")
    products: list[list[int]] = []
    for n, (name, stall_name, address, language, items) in enumerate(TRADERS):
        stall = await seeding.stall(market, n, stall_name, trader=name, email=address, language=language)
        products.append([await seeding.product(stall, category, item, price=25_000, stock=10**6) for item in items])
    contacts = [
        {"email": f"pembeli{n + 1}@example.id", "language": "en" if n % 4 == 3 else "id"} for n in range(buyers)
    ]
    return market, products, await seeding.users(buyers, each=contacts)


def serve_receivers(smtp_port: int, http_port: int, arrivals: Any) -> None:
    """The receivers' helper process: an SMTP server and a chat-gateway stand-in, each arrival put on the
    queue as (channel, time.time(), raw message or body), answered 250 / 200."""
    import uvicorn
    from aiosmtpd.controller import Controller
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent stops us

    class Mailbox:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            arrivals.put(("email", time.time(), envelope.content))
            return "250 OK"

    async def gateway(request: Any) -> Response:
        arrivals.put(("webhook", time.time(), await request.body()))
        return Response(status_code=200)

    Controller(Mailbox(), hostname="127.0.0.1", port=smtp_port).start()
    app = Starlette(routes=[Route("/gateway", gateway, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=http_port, log_level="warning", lifespan="off", access_log=False)


@dataclass(frozen=True)
class Delivery:
    channel: str
    arrived: float
    notification_id: int | None
    number: str | None  # the order's


def delivery(channel: str, arrived: float, raw: bytes) -> Delivery:
    """An email matched by its Message-ID and Subject, a webhook call by its body's id and params.number."""
    if channel == "email":
        message = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        ident = MESSAGE_ID.search(str(message["Message-ID"] or ""))
        number = NUMBER.search(str(message["Subject"] or ""))
        return Delivery(channel, arrived, int(ident.group(1)) if ident else None, number.group(0) if number else None)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return Delivery(channel, arrived, None, None)
    return Delivery(channel, arrived, body.get("id"), (body.get("params") or {}).get("number"))


class Receivers:
    """The receivers' helper process (neither this one nor the worker's) and what arrived so far."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.smtp_port, self.http_port, self.arrivals = servers.free_port(), servers.free_port(), context.Queue()
        self.process = context.Process(target=serve_receivers, args=(self.smtp_port, self.http_port, self.arrivals))
        self.deliveries: list[Delivery] = []

    def counts(self) -> Counter[str]:
        """Deliveries so far by channel, taking in what arrived since the last call."""
        while True:
            try:
                self.deliveries.append(delivery(*self.arrivals.get_nowait()))
            except queue.Empty:
                return Counter(d.channel for d in self.deliveries)

    @contextmanager
    def running(self) -> Iterator["Receivers"]:
        self.process.daemon = True
        self.process.start()
        try:
            ports = (self.smtp_port, self.http_port)
            servers.wait_until(lambda: all(map(servers.answers, ports)), "receivers", self.process.is_alive)
            yield self
        finally:
            self.process.terminate()
            self.process.join(5)
            if self.process.is_alive():
                self.process.kill()

    def worker_env(self) -> dict[str, str]:
        """The worker's settings: email to the SMTP receiver, webhooks to the HTTP one, a short poll delay."""
        env = {"SECRET_KEY": database.SECRET_KEY, "WORKER_POLL_DELAY": WORKER_POLL_DELAY, "SMTP_HOST": "127.0.0.1"}
        env |= {"EMAIL_ENABLED": "true", "SMTP_PORT": str(self.smtp_port), "WEBHOOK_ENABLED": "true"}
        url = f"http://127.0.0.1:{self.http_port}/gateway"
        return env | {"WEBHOOK_URL": url, "WEBHOOK_SECRET": "pasar-bench-webhook-secret"}


@dataclass
class Run:
    """The orders placed (with their commit times) and what arrived for them."""

    commits: dict[str, float] = field(default_factory=dict)  # order number → time.time() after its commit
    failures: driver.Tally = field(default_factory=driver.Tally)  # orders not placed, by exception
    started: float = 0.0  # time.time() when the first order was sent
    finished: float = 0.0  # time.time() after the last hand-over
    complete: bool = False  # everything expected arrived before the timeout
    waited: float = 0.0  # seconds from the first order to the moment everything had arrived (or the timeout)
    cpu: CpuUse = field(default_factory=CpuUse)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    undispatched: int = 0

    @property
    def expected(self) -> int:  # notifications: NOTIFICATIONS_PER_ORDER per placed order
        return NOTIFICATIONS_PER_ORDER * len(self.commits)


async def place_orders(world: Any, settings: Any, queue: Any, args: Any) -> Run:
    market, products, buyers = world
    rng, run, requests = random.Random(2026), Run(), []
    lat, lng = round(float(market.latitude) + 0.005, 6), float(market.longitude)
    for i in range(args.orders):
        buyer = buyers[i % len(buyers)].user
        items = [(rng.choice(ids), Decimal(rng.randint(1, 2))) for ids in products]
        requests.append((buyer, seeding.order_request(items, buyer, f"bench-notify-{i}", lat=lat, lng=lng)))
    pending, start = iter(enumerate(requests)), time.perf_counter()

    async def placer() -> None:
        for index, (buyer, request) in pending:
            if args.rate > 0:
                await asyncio.sleep(max(0.0, start + index / args.rate - time.perf_counter()))
            try:
                order = await orders_service.place_order(actor=buyer, request=request, settings=settings)
            except Exception as exc:  # counted and sampled: fewer deliveries are then expected
                run.failures.record(type(exc).__name__, None, repr(exc)[:300])
                continue
            run.commits[order.number] = time.time()
            await hand_over(queue)  # what the API does once the order is committed

    run.started = time.time()
    await asyncio.gather(*(placer() for _ in range(args.concurrency)))
    run.finished = time.time()
    return run


async def measure(url: str, world: Any, receivers: Receivers, worker: servers.Process, args: Any) -> Run:
    async with database.orm(url, **database.NO_LIMITS) as settings, aclosing(create_queue(settings)) as queue:
        meter = Meter(worker.watched)
        run = await place_orders(world, settings, queue, args)
        waiting = f"waiting for {run.expected} emails and {run.expected} webhook calls"
        print(f"  placed {len(run.commits)} orders in {run.finished - run.started:.1f} s; {waiting} …", flush=True)
        deadline = time.monotonic() + args.timeout
        while not (complete := min(receivers.counts()[c] for c in CHANNELS) >= run.expected):
            if worker.popen.poll() is not None or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        run.complete = complete
        run.waited, run.cpu = meter.use()
        await asyncio.sleep(SETTLE_SECONDS)
        receivers.counts()
        run.statuses = await database.rows(STATUS_SQL)
        run.undispatched = int((await database.rows(UNDISPATCHED_SQL))[0]["n"])
    return run


def summarise_log(lines: list[str]) -> tuple[str, list[str]]:
    errors = [line for line in lines if " ERROR " in line or "Traceback" in line]
    warnings = [line for line in lines if " WARNING " in line]
    retries = sum("retrying job" in line for line in lines)
    failed = sum(" failed" in line and " ! " in line for line in lines)
    jobs = Counter(  # arq logs "<secs>s ← <job id>:<function> ● <result>" when a job finishes
        line.split(" ← ", 1)[1].split(" ", 1)[0].rsplit(":", 1)[-1] for line in lines if " ← " in line
    )
    done = ", ".join(f"{name} {count}" for name, count in sorted(jobs.items())) or "none seen"
    text = f"errors {len(errors)}, warnings {len(warnings)}, retries {retries}, failed jobs {failed}"
    return f"{len(lines):,} lines; jobs finished: {done}; {text}", (errors + warnings)[:6]


def print_report(args: Any, run: Run, deliveries: list[Delivery], worker: servers.Process) -> None:
    expected, placed, commits = run.expected, len(run.commits), run.commits
    print(
        f"\nnotifications: 1 `pasar worker` process (arq, max_jobs 20, poll delay {WORKER_POLL_DELAY} s), "
        f"aiosmtpd and uvicorn receivers in a helper process, {report.cpus()}"
    )
    pace = f"paced at {args.rate:g} orders/s" if args.rate > 0 else "as fast as they go"
    span = run.finished - run.started
    print(
        f"load: {placed} COD orders (2 stalls each) placed by {args.concurrency} concurrent placers, {pace}, "
        f"in {span:.2f} s ({report.ratio(placed, span):.1f} orders/s, {report.ratio(expected, span):.1f} "
        "notifications/s offered), each handed over after its commit"
    )
    if run.failures.errors:
        print(f"ORDERS NOT PLACED: {dict(run.failures.errors)}; sample: {next(iter(run.failures.samples.values()))}")
    if not placed:
        print("no order was placed: nothing to measure")
        return
    by_channel = {c: [d for d in deliveries if d.channel == c] for c in CHANNELS}
    ids = {c: Counter(d.notification_id for d in by_channel[c]) for c in CHANNELS}
    both = set(ids["email"]) & set(ids["webhook"]) - {None}
    per_order = f"({NOTIFICATIONS_PER_ORDER} per order) × 2 channels"
    print(f"expected: {expected} notifications {per_order} = {2 * expected} deliveries")
    print(
        f"received: {len(by_channel['email'])} emails, {len(by_channel['webhook'])} webhook calls; notifications "
        f"delivered on both channels: {len(both)} of {expected}"
        + ("" if run.complete else f"  — INCOMPLETE after the {args.timeout:g} s timeout")
    )
    if not deliveries:
        return
    last = max(d.arrived for d in deliveries)
    span = last - min(commits.values())
    print(
        f"span: first commit → last delivery {span:.2f} s; the last delivery came "
        f"{last - max(commits.values()):.2f} s after the last commit"
    )
    print(
        f"throughput: {report.ratio(len(deliveries), span):.1f} deliveries/s (email + webhook), "
        f"{report.ratio(len(both), span):.1f} notifications/s (delivered on both channels)"
    )
    delays = {c: [d.arrived - commits[d.number] for d in by_channel[c] if d.number in commits] for c in CHANNELS}
    told = {number: [d.arrived for d in deliveries if d.number == number] for number in commits}
    fully = [max(times) - commits[n] for n, times in told.items() if len(times) >= 2 * NOTIFICATIONS_PER_ORDER]
    print("delay commit → delivery:")
    delays["all"] = delays["email"] + delays["webhook"]
    for label, values in delays.items():
        print(f"  {label:<7} {report.p50_p99(values, ',.0f')}")
    label = f"order fully told (all {2 * NOTIFICATIONS_PER_ORDER} deliveries, {len(fully)} orders)"
    print(f"  {label} {report.p50_p99(fully, ',.0f')}")
    duplicates = {c: sum(n - 1 for n in ids[c].values() if n > 1) for c in CHANNELS}
    print(f"duplicates: email {duplicates['email']}, webhook {duplicates['webhook']}")
    if unmatched := [d for d in deliveries if d.number not in commits]:
        print(f"deliveries matching no order placed here: {len(unmatched)}; sample: {unmatched[0]}")
    statuses = "; ".join(f"email {r['email_status']} / webhook {r['webhook_status']}: {r['n']}" for r in run.statuses)
    retries = {c: sum(int(r[f"{c}_retries"] or 0) for r in run.statuses) for c in CHANNELS}
    print(
        f"database: notifications {statuses or 'none'}; attempts beyond the first: email {retries['email']}, "
        f"webhook {retries['webhook']}; outbox events not handed over: {run.undispatched}"
    )
    cores = run.cpu.cores("worker", "this process (placing)", "other (receivers, Redis, …)")
    per_delivery = run.cpu.server_ms_per(run.waited, len(deliveries))
    print(
        f"CPU cores over {run.waited:.1f} s (first order → all delivered): {cores}; worker CPU per delivery "
        f"{per_delivery:.2f} ms"
    )
    text, samples = summarise_log(worker.log_lines())
    print(f"worker log: {text}")
    for line in samples:
        print(f"  {line[:400]}")


def main(args: Any) -> None:
    with database.bench_database(f"seeding {args.buyers} buyers") as url:
        world = database.seeded(url, seed_world, args.buyers, **database.NO_LIMITS)
        receivers = Receivers()
        with receivers.running(), servers.running_worker(url, receivers.worker_env()) as worker:
            smtp, http = receivers.smtp_port, receivers.http_port
            pids = f"(pid {receivers.process.pid}); worker pid {worker.popen.pid}"
            print(f"receivers: SMTP on 127.0.0.1:{smtp}, webhook on 127.0.0.1:{http} {pids}")
            run = driver.run_driver(measure, url, world, receivers, worker, args)
            print_report(args, run, receivers.deliveries, worker)


if __name__ == "__main__":
    cli.run(
        main,
        cli.Option("--orders", 200, "orders to place", ">0"),
        cli.Option("--buyers", 50, "buyers placing them, in turn", ">0"),
        cli.Option("--concurrency", 4, "orders placed at once", ">0"),
        cli.Option("--rate", 0.0, "orders per second; 0: as fast as possible", ">=0"),
        cli.Option("--timeout", 180.0, "seconds to wait for deliveries", ">0"),
    )

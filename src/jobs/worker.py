"""arq WorkerSettings: the jobs this service runs and the clients they share."""

import asyncio
import logging
from typing import Any

import httpx
from arq.cron import cron
from arq.worker import Worker, func

from src import db
from src.jobs.delivery import assign_courier, expire_delivery_offer, sweep_delivery_offers
from src.jobs.notifications import MAX_TRIES as NOTIFICATION_MAX_TRIES
from src.jobs.notifications import (
    deliver_outbox_event,
    relay_outbox,
    send_notification_email,
    send_notification_webhook,
)
from src.jobs.orders import expire_unpaid_orders
from src.jobs.photos import JOB_TIMEOUT as PHOTO_JOB_TIMEOUT
from src.jobs.photos import MAX_TRIES as PHOTO_MAX_TRIES
from src.jobs.photos import process_product_photo, sweep_pending_photos
from src.jobs.queue import create_queue, redis_settings
from src.jobs.reports import JOB_TIMEOUT as REPORT_JOB_TIMEOUT
from src.jobs.reports import MAX_TRIES as REPORT_MAX_TRIES
from src.jobs.reports import export_market_report, sweep_stale_exports
from src.jobs.system import record_heartbeat
from src.services.common import outbox
from src.settings import Settings, get_settings
from src.storage import build_storage

log = logging.getLogger(__name__)

FUNCTIONS = [
    func(record_heartbeat, name="record_heartbeat", max_tries=3),
    func(deliver_outbox_event, name="deliver_outbox_event", max_tries=NOTIFICATION_MAX_TRIES),
    func(send_notification_email, name="send_notification_email", max_tries=NOTIFICATION_MAX_TRIES),
    func(send_notification_webhook, name="send_notification_webhook", max_tries=NOTIFICATION_MAX_TRIES),
    func(assign_courier, name="assign_courier", max_tries=20),
    func(expire_delivery_offer, name="expire_delivery_offer", max_tries=5),
    func(export_market_report, name="export_market_report", max_tries=REPORT_MAX_TRIES, timeout=REPORT_JOB_TIMEOUT),
    func(process_product_photo, name="process_product_photo", max_tries=PHOTO_MAX_TRIES, timeout=PHOTO_JOB_TIMEOUT),
]
CRON_JOBS = [
    cron(sweep_pending_photos, name="sweep_pending_photos", minute=None, second=17, unique=True, run_at_startup=True),
    cron(expire_unpaid_orders, name="expire_unpaid_orders", minute=None, second=41, unique=True),
    cron(sweep_delivery_offers, name="sweep_delivery_offers", second={5, 35}, unique=True),
    cron(sweep_stale_exports, name="sweep_stale_exports", minute={23, 53}, second=29, unique=True),
    cron(relay_outbox, name="relay_outbox", second={0, 10, 20, 30, 40, 50}, unique=True, run_at_startup=True),
]


async def on_startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or get_settings()
    ctx["settings"] = settings
    if not ctx.get("orm_managed_outside"):
        await db.init_orm(settings)
    ctx["storage"] = build_storage(settings)
    ctx["photo_slots"] = asyncio.Semaphore(settings.photo_jobs_per_worker)
    # One HTTP client for every webhook call: connections and TLS setup are reused.
    ctx["http"] = httpx.AsyncClient(timeout=settings.webhook_timeout_seconds)


async def on_job_start(ctx: dict[str, Any]) -> None:
    """A job hands over only what it wrote: whatever the task it was started from had noted is not its own."""
    outbox.take()
    outbox.take_touched()


async def on_shutdown(ctx: dict[str, Any]) -> None:
    if "http" in ctx:
        await ctx["http"].aclose()
    if not ctx.get("orm_managed_outside"):
        await db.close_orm()


def worker_options(settings: Settings) -> dict[str, Any]:
    """The Worker arguments shared by `pasar worker`, `pasar dev` and the tests."""
    return {
        "functions": FUNCTIONS,
        "cron_jobs": CRON_JOBS,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "on_job_start": on_job_start,
        "poll_delay": settings.worker_poll_delay,
        "max_jobs": 20,
        "job_timeout": 300,
        # Results are not read back; keeping them would block re-enqueueing the same job id (arq #432).
        "keep_result": 0,
    }


def build_worker(settings: Settings, **overrides: Any) -> Worker:
    """A Worker on the configured Redis; overrides let tests run it in burst mode."""
    options = worker_options(settings)
    options.update(overrides)
    ctx = options.pop("ctx", {}) | {"settings": settings}
    if "redis_pool" not in options:
        options["redis_pool"] = create_queue(settings)
    return Worker(ctx=ctx, **options)


def _worker_settings() -> type:
    settings = get_settings()
    attributes: dict[str, Any] = {**worker_options(settings), "redis_settings": redis_settings(settings)}
    attributes["__doc__"] = (
        "For `arq src.jobs.worker.WorkerSettings` and `arq --check`; `pasar worker` is the usual way in."
    )
    return type("WorkerSettings", (), attributes)


# Read on import, as arq reads a class's __dict__; `pasar` checks the settings before importing this module.
WorkerSettings = _worker_settings()

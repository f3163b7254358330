"""arq WorkerSettings: the jobs this service runs and the clients they share."""

import asyncio
import functools
import logging
from typing import Any

import httpx
from arq.cron import cron
from arq.typing import WorkerCoroutine
from arq.worker import Worker, func

from src import db
from src.jobs.delivery import assign_courier, expire_delivery_offer, sweep_delivery_offers
from src.jobs.hours import open_and_close_stalls
from src.jobs.notifications import MAX_TRIES as NOTIFICATION_MAX_TRIES
from src.jobs.notifications import (
    deliver_outbox_event,
    relay_outbox,
    send_notification_email,
    send_notification_webhook,
)
from src.jobs.orders import expire_substitution, expire_unpaid_orders, sweep_substitutions
from src.jobs.payments import QR_MAX_TRIES, REFUND_MAX_TRIES, pay_gateway_refund, request_gateway_qr
from src.jobs.photos import JOB_TIMEOUT as PHOTO_JOB_TIMEOUT
from src.jobs.photos import MAX_TRIES as PHOTO_MAX_TRIES
from src.jobs.photos import process_product_photo, sweep_pending_photos
from src.jobs.queue import create_queue, redis_settings
from src.jobs.reports import JOB_TIMEOUT as REPORT_JOB_TIMEOUT
from src.jobs.reports import MAX_TRIES as REPORT_MAX_TRIES
from src.jobs.reports import export_market_report, sweep_stale_exports
from src.jobs.system import record_heartbeat
from src.services import notifications as notifications_service
from src.services.common import outbox
from src.services.common.jobs import Job
from src.settings import Settings, get_settings
from src.storage import build_storage

log = logging.getLogger(__name__)


def _hands_over(job: WorkerCoroutine) -> WorkerCoroutine:
    """The outbox's one hand-over after a job: what a job wrote is committed when it returns, so its
    events go to arq and its touched channels hear of it. A job that raises (a Retry, a fault) hands over
    nothing; the relay's sweep catches what a lost hand-over leaves behind."""

    @functools.wraps(job)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        since = outbox.mark()
        try:
            result = await job(ctx, *args, **kwargs)
        except BaseException:
            outbox.forget_since(since)
            raise
        await notifications_service.hand_over_written(ctx["redis"], since=since)
        return result

    return run


FUNCTIONS = [
    func(_hands_over(record_heartbeat), name=Job.RECORD_HEARTBEAT, max_tries=3),
    func(_hands_over(deliver_outbox_event), name=Job.DELIVER_OUTBOX_EVENT, max_tries=NOTIFICATION_MAX_TRIES),
    func(_hands_over(send_notification_email), name=Job.SEND_NOTIFICATION_EMAIL, max_tries=NOTIFICATION_MAX_TRIES),
    func(_hands_over(send_notification_webhook), name=Job.SEND_NOTIFICATION_WEBHOOK, max_tries=NOTIFICATION_MAX_TRIES),
    func(_hands_over(assign_courier), name=Job.ASSIGN_COURIER, max_tries=20),
    func(_hands_over(expire_delivery_offer), name=Job.EXPIRE_DELIVERY_OFFER, max_tries=5),
    func(_hands_over(expire_substitution), name=Job.EXPIRE_SUBSTITUTION, max_tries=5),
    func(
        _hands_over(export_market_report),
        name=Job.EXPORT_MARKET_REPORT,
        max_tries=REPORT_MAX_TRIES,
        timeout=REPORT_JOB_TIMEOUT,
    ),
    func(_hands_over(request_gateway_qr), name=Job.REQUEST_GATEWAY_QR, max_tries=QR_MAX_TRIES),
    func(_hands_over(pay_gateway_refund), name=Job.PAY_GATEWAY_REFUND, max_tries=REFUND_MAX_TRIES),
    func(
        _hands_over(process_product_photo),
        name=Job.PROCESS_PRODUCT_PHOTO,
        max_tries=PHOTO_MAX_TRIES,
        timeout=PHOTO_JOB_TIMEOUT,
    ),
]
CRON_JOBS = [
    cron(
        _hands_over(sweep_pending_photos),
        name=Job.SWEEP_PENDING_PHOTOS,
        minute=None,
        second=17,
        unique=True,
        run_at_startup=True,
    ),
    cron(_hands_over(expire_unpaid_orders), name=Job.EXPIRE_UNPAID_ORDERS, minute=None, second=41, unique=True),
    cron(_hands_over(sweep_delivery_offers), name=Job.SWEEP_DELIVERY_OFFERS, second={5, 35}, unique=True),
    # Hours are whole minutes: a stall opens or closes within seconds of its time.
    cron(
        _hands_over(open_and_close_stalls), name=Job.OPEN_AND_CLOSE_STALLS, second=2, unique=True, run_at_startup=True
    ),
    cron(_hands_over(sweep_substitutions), name=Job.SWEEP_SUBSTITUTIONS, second={15, 45}, unique=True),
    cron(_hands_over(sweep_stale_exports), name=Job.SWEEP_STALE_EXPORTS, minute={23, 53}, second=29, unique=True),
    cron(
        _hands_over(relay_outbox),
        name=Job.RELAY_OUTBOX,
        second={0, 10, 20, 30, 40, 50},
        unique=True,
        run_at_startup=True,
    ),
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

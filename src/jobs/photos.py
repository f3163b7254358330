"""Photo jobs: processing one product photo, and the sweep that finds photos whose job was lost."""

import asyncio
from datetime import timedelta
from typing import Any

from arq import Retry

from src.jobs.final import ends_in_final_state
from src.services import photos as photos_service
from src.services.common import queue as queue_service
from src.services.common.errors import DomainError
from src.services.common.jobs import Job

MAX_TRIES = 5
JOB_TIMEOUT = 600  # seconds, waiting for a free decoding slot included
SWEEP_AFTER = timedelta(minutes=15)  # longer than a job may run, so a running job is never queued twice
GIVE_UP_AFTER = timedelta(hours=2)


def _backoff(job_try: int) -> float:
    """2, 4, 8, 16 s: long enough for a storage server to come back, short enough for a trader waiting."""
    return float(2**job_try)


async def _mark_failed(ctx: dict[str, Any], photo_id: int, fault: BaseException) -> None:
    await photos_service.fail_photo(photo_id=photo_id, reason="PROCESSING_FAILED", storage=ctx["storage"])


@ends_in_final_state(_mark_failed, max_tries=MAX_TRIES)
async def process_product_photo(ctx: dict[str, Any], photo_id: int) -> str | None:
    """Make a photo's variants. Storage faults retry with backoff; after the last try, or on any other
    fault, the photo is FAILED with a reason the trader can read."""
    job_try = ctx.get("job_try", 1)
    semaphore: asyncio.Semaphore = ctx["photo_slots"]
    async with semaphore:  # decoding is memory-hungry: a bounded number at a time per worker
        try:
            status = await photos_service.process(
                photo_id=photo_id, storage=ctx["storage"], settings=ctx["settings"], last_try=job_try >= MAX_TRIES
            )
        except photos_service.TransientPhotoError as exc:
            raise Retry(defer=_backoff(job_try)) from exc
    return status.value if status else None


async def sweep_pending_photos(ctx: dict[str, Any]) -> int:
    """Queue photos whose job was lost (Redis down at hand-over, worker killed mid-job); give up on
    photos stuck far longer than every try could take. Queuing is keyed by photo, so it never doubles."""
    await photos_service.fail_stuck_photos(older_than=GIVE_UP_AFTER, storage=ctx["storage"])
    queued = 0
    for photo_id in await photos_service.waiting_photo_ids(older_than=SWEEP_AFTER):
        try:
            if await queue_service.enqueue(
                ctx["redis"], Job.PROCESS_PRODUCT_PHOTO, photo_id, job_id=photos_service.job_id(photo_id)
            ):
                queued += 1
        except DomainError:
            break
    return queued

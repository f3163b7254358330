"""Handing work to arq: one place that knows how jobs are enqueued and what a Redis outage means."""

import logging
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from src.services.common.errors import DomainError, ErrorCode
from src.services.common.jobs import Job

if TYPE_CHECKING:
    from arq.connections import ArqRedis

log = logging.getLogger(__name__)


async def enqueue(queue: "ArqRedis", function: Job, *args: Any, job_id: str, **kwargs: Any) -> bool:
    """Queue a job under a deterministic id (a second hand-over is a no-op). False if it was already queued."""
    try:
        job = await queue.enqueue_job(str(function), *args, _job_id=job_id, **kwargs)
    except (RedisError, OSError) as exc:
        log.warning("could not enqueue %s (%s): %s", function, job_id, exc)
        raise DomainError(ErrorCode.SERVICE_UNAVAILABLE) from exc
    return job is not None

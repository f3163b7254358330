"""Heartbeats: the smallest job that proves API → Redis → worker → database works."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tortoise.expressions import F
from tortoise.timezone import now

from src.models.system import Heartbeat
from src.services.common import queue as queue_service
from src.services.common.jobs import Job

if TYPE_CHECKING:
    from arq.connections import ArqRedis


@dataclass(frozen=True)
class HeartbeatView:
    id: int
    runs: int
    processed: bool


def _view(row: Heartbeat) -> HeartbeatView:
    return HeartbeatView(id=row.id, runs=row.runs, processed=row.processed_at is not None)


async def ping_worker(*, queue: "ArqRedis") -> HeartbeatView:
    """Create a heartbeat and queue the job that completes it."""
    row = await Heartbeat.create()
    await queue_service.enqueue(queue, Job.RECORD_HEARTBEAT, row.id, job_id=f"heartbeat:{row.id}")
    return _view(row)


async def list_heartbeats(*, ids: list[int]) -> list[HeartbeatView]:
    """The heartbeats with these ids that exist."""
    return [_view(row) for row in await Heartbeat.filter(id__in=ids)]


async def record_heartbeat(*, heartbeat_id: int) -> bool:
    """Mark a heartbeat processed; a second run changes nothing. Returns whether this run did it."""
    updated = await Heartbeat.filter(id=heartbeat_id, processed_at__isnull=True).update(
        processed_at=now(), runs=F("runs") + 1
    )
    return bool(updated)

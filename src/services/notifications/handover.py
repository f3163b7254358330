"""Handing outbox events over to arq: right after a request's commit, by the relay's sweep, and for lost jobs.

The outbox event commits with the change that causes it. It is handed to arq right after the commit
(and by a sweep for events whose hand-over was lost); the job makes the notifications.
"""

from datetime import timedelta
from typing import TYPE_CHECKING

from tortoise.timezone import now

from src.models.notifications import DeliveryStatus, Notification
from src.models.outbox import OutboxEvent
from src.services.common import live, outbox
from src.services.common import queue as queue_service
from src.services.common.errors import DomainError
from src.services.notifications.channels import EMAIL_JOB, WEBHOOK_JOB

if TYPE_CHECKING:
    from arq.connections import ArqRedis

DELIVER_EVENT_JOB = "deliver_outbox_event"


async def requeue_stalled(queue: "ArqRedis", *, older_than: timedelta) -> None:
    """What a lost job left behind: events handed over but never processed, deliveries never finished.

    Queuing is keyed (a job still waiting or retrying makes this a no-op) and every job is idempotent,
    so this can run as often as wanted.
    """
    cutoff = now() - older_than
    await OutboxEvent.filter(dispatched_at__lt=cutoff, processed_at__isnull=True).update(dispatched_at=None)
    for channel, job in (("email", EMAIL_JOB), ("webhook", WEBHOOK_JOB)):
        waiting = {f"{channel}_status__in": [DeliveryStatus.PENDING, DeliveryStatus.SENDING], "created_at__lt": cutoff}
        for notification_id in await Notification.filter(**waiting).limit(500).values_list("id", flat=True):
            try:
                await queue_service.enqueue(queue, job, notification_id, job_id=f"{channel}:{notification_id}")
            except DomainError:
                return


async def hand_over(queue: "ArqRedis", *, limit: int = 200) -> int:
    """Queue the jobs of every outbox event not yet handed over (the relay's sweep); stops quietly while
    Redis is down."""
    pending = (
        await OutboxEvent.filter(dispatched_at__isnull=True).order_by("id").limit(limit).values_list("id", flat=True)
    )
    return await _hand_over_ids(queue, [int(i) for i in pending])  # type: ignore[call-overload]


async def hand_over_written(queue: "ArqRedis") -> int:
    """After a request's commit: queue the events this request wrote (the relay picks up the rest) and
    signal the subscribers of what it touched."""
    await live.publish(queue, outbox.take_touched())
    return await _hand_over_ids(queue, outbox.take())


async def _hand_over_ids(queue: "ArqRedis", event_ids: list[int]) -> int:
    handed: list[int] = []
    for event_id in event_ids:
        try:
            await queue_service.enqueue(queue, DELIVER_EVENT_JOB, event_id, job_id=f"outbox:{event_id}")
        except DomainError:
            break  # Redis is down: the relay hands these over once it is back
        handed.append(event_id)
    if handed:
        await OutboxEvent.filter(id__in=handed, dispatched_at__isnull=True).update(dispatched_at=now())
    return len(handed)

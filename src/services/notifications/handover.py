"""The outbox's relay and router, in one place: handing events over to arq (right after a commit, by the
relay's sweep, and again for lost jobs) and routing each event to the jobs its topic starts.

An event commits with the change that causes it (`common.outbox.note` remembers its id); the one hook
after the commit (the schema's `HandOverWritten`, the worker's `_hands_over`) calls `hand_over_written`.
The event's job makes its notifications, then `route_event` queues their deliveries and the follow-ups
of its topic and marks it processed. Jobs never touch `OutboxEvent` rows themselves: they call these.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tortoise.timezone import now

from src.models.notifications import DeliveryStatus, Notification
from src.models.outbox import OutboxEvent
from src.services.common import live, outbox
from src.services.common import queue as queue_service
from src.services.common.errors import DomainError
from src.services.common.jobs import Job

if TYPE_CHECKING:
    from arq.connections import ArqRedis


async def requeue_stalled(queue: "ArqRedis", *, older_than: timedelta) -> None:
    """What a lost job left behind: events handed over but never processed, deliveries never finished.

    Queuing is keyed (a job still waiting or retrying makes this a no-op) and every job is idempotent,
    so this can run as often as wanted.
    """
    cutoff = now() - older_than
    await OutboxEvent.filter(dispatched_at__lt=cutoff, processed_at__isnull=True).update(dispatched_at=None)
    for channel, job in (("email", Job.SEND_NOTIFICATION_EMAIL), ("webhook", Job.SEND_NOTIFICATION_WEBHOOK)):
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


async def hand_over_written(queue: "ArqRedis", *, since: outbox.Mark = ((), frozenset())) -> int:
    """After a request's (or job's) commit: queue the events it wrote since `since` (the relay picks up
    the rest) and signal the subscribers of what it touched."""
    event_ids, channels = outbox.take_since(since)
    await live.publish(queue, channels)
    return await _hand_over_ids(queue, event_ids)


async def _hand_over_ids(queue: "ArqRedis", event_ids: list[int]) -> int:
    handed: list[int] = []
    for event_id in event_ids:
        try:
            await queue_service.enqueue(queue, Job.DELIVER_OUTBOX_EVENT, event_id, job_id=f"outbox:{event_id}")
        except DomainError:
            break  # Redis is down: the relay hands these over once it is back
        handed.append(event_id)
    if handed:
        await OutboxEvent.filter(id__in=handed, dispatched_at__isnull=True).update(dispatched_at=now())
    return len(handed)


# Besides notifications, the jobs a topic starts: (job, its argument, its key, extra enqueue options).
# Keyed, so a second hand-over of the same event queues nothing new.
FollowUp = tuple[Job, Any, str, dict[str, Any]]


def _assign(event: OutboxEvent) -> FollowUp | None:
    order_id = event.payload["order_id"]  # a ready order is offered to a courier
    return Job.ASSIGN_COURIER, order_id, f"assign:{order_id}:{event.id}", {}


def _export(event: OutboxEvent) -> FollowUp | None:
    export_id = event.payload["export_id"]
    return Job.EXPORT_MARKET_REPORT, export_id, f"report-export:{export_id}", {}


def _expire_offer(event: OutboxEvent) -> FollowUp | None:
    if not event.payload.get("expires_at"):
        return None  # an offer without a time limit waits for its courier's answer
    assignment_id = event.payload["assignment_id"]  # passed on when its time runs out
    expires_at = datetime.fromisoformat(str(event.payload["expires_at"]))
    return Job.EXPIRE_DELIVERY_OFFER, assignment_id, f"offer-expiry:{assignment_id}", {"_defer_until": expires_at}


def _gateway_qr(event: OutboxEvent) -> FollowUp | None:
    payment_id = event.payload["payment_id"]  # a QRIS order's QR asked of the gateway, after the commit
    return Job.REQUEST_GATEWAY_QR, payment_id, f"gateway-qr:{event.id}", {}


def _gateway_refund(event: OutboxEvent) -> FollowUp | None:
    if event.payload.get("method") != "GATEWAY":
        return None  # the market admin pays a manual refund
    refund_id = event.payload["refund_id"]
    return Job.PAY_GATEWAY_REFUND, refund_id, f"gateway-refund:{refund_id}", {}


def _expire_substitution(event: OutboxEvent) -> FollowUp | None:
    substitution_id = event.payload["substitution_id"]  # silence declines it when its time runs out
    expires_at = datetime.fromisoformat(str(event.payload["expires_at"]))
    return (
        Job.EXPIRE_SUBSTITUTION,
        substitution_id,
        f"substitution-expiry:{substitution_id}",
        {"_defer_until": expires_at},
    )


FOLLOW_UPS: dict[str, Callable[[OutboxEvent], FollowUp | None]] = {
    "order.ready_for_pickup": _assign,
    "report.requested": _export,
    "delivery.offered": _expire_offer,
    "payment.gateway_qr_requested": _gateway_qr,
    "refund.created": _gateway_refund,
    "order.substitution_proposed": _expire_substitution,
}


async def route_event(queue: "ArqRedis", *, event_id: int, notifications: list[Notification]) -> None:
    """After the event's notifications are made: queue each pending channel delivery and the follow-up
    of its topic, then mark it processed. Raises DomainError while Redis is down (the job tries again)."""
    for notification in notifications:
        for channel, job in (("email", Job.SEND_NOTIFICATION_EMAIL), ("webhook", Job.SEND_NOTIFICATION_WEBHOOK)):
            if getattr(notification, f"{channel}_status") == DeliveryStatus.PENDING:
                await queue_service.enqueue(queue, job, notification.id, job_id=f"{channel}:{notification.id}")
    event = await OutboxEvent.get_or_none(id=event_id)
    if event is None:
        return
    route = FOLLOW_UPS.get(event.topic)
    follow_up = route(event) if route else None
    if follow_up is not None:
        job, argument, job_id, options = follow_up
        await queue_service.enqueue(queue, job, argument, job_id=job_id, **options)
    await OutboxEvent.filter(id=event_id).update(processed_at=now())

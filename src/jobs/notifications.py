"""Notification jobs: outbox events into notifications, each channel's delivery, and the relay sweep."""

from typing import Any

from arq import Retry

from src.services import notifications as notifications_service
from src.services import queue as queue_service
from src.services.errors import DomainError

MAX_TRIES = 6


def backoff(job_try: int) -> float:
    """1, 2, 4, 8, 16 s between tries: a gateway restarting is waited for, a trader is not kept waiting."""
    return float(2 ** (job_try - 1))


async def deliver_outbox_event(ctx: dict[str, Any], event_id: int) -> int:
    """Make the event's notifications (once) and queue each channel's delivery (keyed, so never twice)."""
    made = await notifications_service.create_notifications(event_id=event_id, settings=ctx["settings"])
    for notification in made:
        for channel, job in (
            ("email", notifications_service.EMAIL_JOB),
            ("webhook", notifications_service.WEBHOOK_JOB),
        ):
            if getattr(notification, f"{channel}_status") == notifications_service.DeliveryStatus.PENDING:
                try:
                    await queue_service.enqueue(
                        ctx["redis"], job, notification.id, job_id=f"{channel}:{notification.id}"
                    )
                except DomainError as exc:
                    raise Retry(defer=backoff(ctx.get("job_try", 1))) from exc
    return len(made)


async def _deliver(ctx: dict[str, Any], notification_id: int, channel: str) -> str | None:
    job_try = ctx.get("job_try", 1)
    try:
        status = await notifications_service.deliver(
            notification_id=notification_id, channel=channel, settings=ctx["settings"], last_try=job_try >= MAX_TRIES
        )
    except notifications_service.TransientDeliveryError as exc:
        raise Retry(defer=backoff(job_try)) from exc
    return status.value if status else None


async def send_notification_email(ctx: dict[str, Any], notification_id: int) -> str | None:
    return await _deliver(ctx, notification_id, "email")


async def send_notification_webhook(ctx: dict[str, Any], notification_id: int) -> str | None:
    return await _deliver(ctx, notification_id, "webhook")


async def relay_outbox(ctx: dict[str, Any]) -> int:
    """Hand over outbox events whose hand-over after commit was lost (Redis down, process died)."""
    return await notifications_service.hand_over(ctx["redis"])

"""Notification jobs: outbox events into notifications, each channel's delivery, and the relay sweep."""

import logging
from datetime import timedelta
from typing import Any

from arq import Retry

from src.services import notifications as notifications_service
from src.services.common.errors import DomainError

log = logging.getLogger(__name__)

MAX_TRIES = 12
STALLED_AFTER = timedelta(minutes=10)


def backoff(job_try: int) -> float:
    """1, 2, 4 … s, at most 5 minutes: quick for a blip, and about 20 minutes of tries for an outage."""
    return float(min(2 ** (job_try - 1), 300))


async def deliver_outbox_event(ctx: dict[str, Any], event_id: int) -> int:
    """Make the event's notifications (once), then route it: each channel's delivery and its topic's
    follow-up are queued (keyed, so never twice)."""
    try:
        made = await notifications_service.create_notifications(event_id=event_id, settings=ctx["settings"])
    except Exception as exc:  # a database blip must not lose the event: try again later
        log.exception("outbox event %s: notifications not made yet", event_id)
        raise Retry(defer=backoff(ctx.get("job_try", 1))) from exc
    try:
        await notifications_service.route_event(ctx["redis"], event_id=event_id, notifications=made)
    except DomainError as exc:  # Redis is down: what was queued stays keyed, the rest comes on the next try
        raise Retry(defer=backoff(ctx.get("job_try", 1))) from exc
    return len(made)


async def _deliver(ctx: dict[str, Any], notification_id: int, channel: str) -> str | None:
    job_try = ctx.get("job_try", 1)
    try:
        status = await notifications_service.deliver(
            notification_id=notification_id,
            channel=channel,
            settings=ctx["settings"],
            last_try=job_try >= MAX_TRIES,
            http=ctx.get("http"),
        )
    except notifications_service.TransientDeliveryError as exc:
        raise Retry(defer=backoff(job_try)) from exc
    except Exception as exc:  # unexpected: retried like a transient fault, never silently dropped
        log.exception("notification %s on %s failed unexpectedly", notification_id, channel)
        if job_try >= MAX_TRIES:
            await notifications_service.mark_failed(notification_id=notification_id, channel=channel, error=str(exc))
            return "FAILED"
        raise Retry(defer=backoff(job_try)) from exc
    return status.value if status else None


async def send_notification_email(ctx: dict[str, Any], notification_id: int) -> str | None:
    return await _deliver(ctx, notification_id, "email")


async def send_notification_webhook(ctx: dict[str, Any], notification_id: int) -> str | None:
    return await _deliver(ctx, notification_id, "webhook")


async def relay_outbox(ctx: dict[str, Any]) -> int:
    """Hand over outbox events whose hand-over after commit was lost (Redis down, process died), and
    queue again what a lost job left unfinished."""
    await notifications_service.requeue_stalled(ctx["redis"], older_than=STALLED_AFTER)
    return await notifications_service.hand_over(ctx["redis"])

"""Courier assignment jobs: offering ready orders, passing on offers not accepted in time, and the sweep."""

import logging
from datetime import datetime, timedelta
from typing import Any

from arq import Retry

from src.models.outbox import OutboxEvent
from src.services import delivery as delivery_service
from src.services import notifications as notifications_service
from src.services.common import queue as queue_service

log = logging.getLogger(__name__)

ASSIGN_JOB = "assign_courier"
EXPIRE_JOB = "expire_delivery_offer"
SWEEP_GRACE = timedelta(seconds=30)  # an offer's own deferred job runs first; the sweep catches lost ones


async def follow_up(queue: Any, event_id: int) -> None:
    """The jobs an outbox event starts besides notifications: a ready order is offered to a courier, an
    offer is passed on when its time runs out. Keyed, so a second hand-over queues nothing new."""
    event = await OutboxEvent.get_or_none(id=event_id)
    if event is None:
        return
    payload = event.payload
    if event.topic == "order.ready_for_pickup":
        await queue_service.enqueue(
            queue, ASSIGN_JOB, payload["order_id"], job_id=f"assign:{payload['order_id']}:{event.id}"
        )
    elif event.topic == "report.requested":
        export_id = payload["export_id"]
        await queue_service.enqueue(queue, "export_market_report", export_id, job_id=f"report-export:{export_id}")
    elif event.topic == "delivery.offered" and payload.get("expires_at"):
        assignment_id = payload["assignment_id"]
        await queue_service.enqueue(
            queue,
            EXPIRE_JOB,
            assignment_id,
            job_id=f"offer-expiry:{assignment_id}",
            _defer_until=datetime.fromisoformat(str(payload["expires_at"])),
        )


async def _after(ctx: dict[str, Any]) -> None:
    await notifications_service.hand_over_written(ctx["redis"])


async def assign_courier(ctx: dict[str, Any], order_id: int) -> int | None:
    """Offer a ready order to a courier (nothing when it has one already, or is no longer ready)."""
    try:
        assignment = await delivery_service.offer_order(order_id=order_id, settings=ctx["settings"])
    except Exception as exc:  # a database blip: the order must still reach a courier
        log.exception("order %s: courier not offered yet", order_id)
        raise Retry(defer=5) from exc
    await _after(ctx)
    return assignment.id if assignment else None


async def expire_delivery_offer(ctx: dict[str, Any], assignment_id: int) -> int | None:
    """An offer's time is up: unless accepted or declined meanwhile, it passes to the next courier."""
    following = await delivery_service.expire_offer(assignment_id=assignment_id, settings=ctx["settings"])
    await _after(ctx)
    return following.id if following else None


async def sweep_delivery_offers(ctx: dict[str, Any]) -> int:
    """Offers whose deferred job was lost (Redis flushed, worker gone) still pass on."""
    ids = await delivery_service.expired_offer_ids(grace=SWEEP_GRACE)
    for assignment_id in ids:
        await delivery_service.expire_offer(assignment_id=assignment_id, settings=ctx["settings"])
    if ids:
        await _after(ctx)
    return len(ids)

"""Courier assignment jobs: offering ready orders, passing on offers not accepted in time, and the sweep."""

import logging
from datetime import timedelta
from typing import Any

from arq import Retry

from src.services import delivery as delivery_service

log = logging.getLogger(__name__)

SWEEP_GRACE = timedelta(seconds=30)  # an offer's own deferred job runs first; the sweep catches lost ones


async def assign_courier(ctx: dict[str, Any], order_id: int) -> int | None:
    """Offer a ready order to a courier (nothing when it has one already, or is no longer ready)."""
    try:
        assignment = await delivery_service.offer_order(order_id=order_id, settings=ctx["settings"])
    except Exception as exc:  # a database blip: the order must still reach a courier
        log.exception("order %s: courier not offered yet", order_id)
        raise Retry(defer=5) from exc
    return assignment.id if assignment else None


async def expire_delivery_offer(ctx: dict[str, Any], assignment_id: int) -> int | None:
    """An offer's time is up: unless accepted or declined meanwhile, it passes to the next courier."""
    following = await delivery_service.expire_offer(assignment_id=assignment_id, settings=ctx["settings"])
    return following.id if following else None


async def sweep_delivery_offers(ctx: dict[str, Any]) -> int:
    """Offers whose deferred job was lost (Redis flushed, worker gone) still pass on."""
    ids = await delivery_service.expired_offer_ids(grace=SWEEP_GRACE)
    for assignment_id in ids:
        await delivery_service.expire_offer(assignment_id=assignment_id, settings=ctx["settings"])
    return len(ids)

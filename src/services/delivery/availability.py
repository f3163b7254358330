"""A courier's availability and what follows: once available, their market's waiting orders are offered again."""

import logging
from typing import TYPE_CHECKING

from src.models.accounts import User
from src.models.delivery import CourierProfile, Vehicle
from src.services.common import queue as queue_service
from src.services.common.errors import DomainError
from src.services.common.jobs import Job
from src.services.delivery import couriers

if TYPE_CHECKING:
    from arq.connections import ArqRedis

log = logging.getLogger(__name__)


async def update_availability(
    *,
    actor: User | None,
    available: bool,
    lat: float | None,
    lng: float | None,
    vehicle: Vehicle | None,
    queue: "ArqRedis",
) -> CourierProfile:
    """A courier starts or stops taking orders (with where they are); when they become available, the
    orders waiting for a courier in their market are offered again."""
    profile, waiting = await couriers.set_availability(
        actor=actor, available=available, lat=lat, lng=lng, vehicle=vehicle
    )
    await offer_waiting(queue=queue, courier_id=profile.user_id, order_ids=waiting)
    return profile


async def offer_waiting(*, queue: "ArqRedis", courier_id: int, order_ids: list[int]) -> None:
    """Queue an assignment job per waiting order, keyed by order and courier (a repeat queues nothing)."""
    for order_id in order_ids:
        try:
            await queue_service.enqueue(
                queue, Job.ASSIGN_COURIER, order_id, job_id=f"assign:{order_id}:courier:{courier_id}"
            )
        except DomainError:
            log.warning("waiting orders not offered now (Redis down); the market admin still sees them")
            return

"""What the orders domain asks of an order's delivery: who carries it, what its courier still sees, withdrawing it.

Below orders and delivery both (see the package's docstring): it reads only the assignments' rows; the
order is given, never read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from src.models.delivery import DeliveryAssignment
from src.services.assignments.states import LIVE, A, courier_sees_contact, move, touch
from src.settings import Settings

if TYPE_CHECKING:
    from src.models.orders import Order


async def live_courier_ids(*, order_id: int) -> list[int]:
    """The couriers holding a live assignment (offered, accepted, picked up) of an order."""
    rows = await DeliveryAssignment.filter(order_id=order_id, status__in=list(LIVE)).values_list(
        "courier_id", flat=True
    )
    return [int(c) for c in rows]  # type: ignore[call-overload]


async def courier_contact(*, order_id: int, courier_id: int, settings: Settings) -> bool | None:
    """None when the order was never this courier's (offered, carrying or carried); else whether they
    still see the buyer's address and phone (see `courier_sees_contact`)."""
    assignments = await DeliveryAssignment.filter(
        order_id=order_id, courier_id=courier_id, status__in=[*LIVE, A.DELIVERED, A.FAILED]
    )
    if not assignments:
        return None
    return any(courier_sees_contact(a, settings) for a in assignments)


async def withdraw_for_order(order: Order, reason: str) -> int | None:
    """Inside a cancellation (the order locked): its live assignment ends. Returns the courier to tell."""
    current = await DeliveryAssignment.select_for_update().get_or_none(live_order_id=order.id)
    if current is None:
        return None
    move(current, A.WITHDRAWN)
    current.reason = reason[:500]
    await current.save()
    touch(current)
    return current.courier_id

"""An order's timeline: each step recorded with, in the same transaction, the outbox event telling people."""

from typing import Any

from src.models.accounts import User
from src.models.orders import ItemState, Order, OrderEvent, OrderItem, StallOrder
from src.services.assignments.carriers import live_courier_ids
from src.services.common import live, outbox
from src.services.common.i18n import plain


async def record_event(
    order: Order,
    kind: str,
    actor: User | None,
    message: str = "",
    *,
    part: StallOrder | None = None,
    params: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    written: tuple[list[StallOrder], list[OrderItem]] | None = None,
) -> None:
    """A timeline step and, committed with it, the outbox event that will notify people. The event
    carries the order as it is now, so a notification sent late still tells what was true then
    (`written`: its parts, with their stalls, and items as the caller has just written them).

    `message` is what a person wrote (a reason) or a system reason's code; what the system itself says
    goes in `params`, told in each reader's language when read (see `timeline_text`). `part`: the stall's
    part the step is about, which only that part's trader (of the traders) sees."""
    await OrderEvent.create(order=order, type=kind, actor=actor, message=message[:500], stall_order=part, params=params)
    payload: dict[str, Any] = {
        "order_id": order.id,
        "actor_id": actor and actor.id,
        "message": message[:500],
        "order": order_snapshot(order, *written) if written else await snapshot(order),
        **(extra or {}),
    }
    if part is not None:
        payload["stall_order_id"] = part.id
    outbox.note(
        await outbox.write(f"order.{kind.lower()}", payload)
    )  # handed over by the caller right after the commit
    # Its subscribers, and the courier carrying it (their queue shows it), hear of it after the commit.
    # a new order has no courier yet
    carriers = [] if kind in ("PLACED", "AWAITING_PAYMENT") else await live_courier_ids(order_id=order.id)
    outbox.touch(live.order_channel(order.id), *(live.courier_channel(c) for c in carriers))


async def snapshot(order: Order) -> dict[str, Any]:
    """The order and its parts as plain data, for messages about it."""
    parts = await StallOrder.filter(order_id=order.id).select_related("stall").order_by("id")
    items = await OrderItem.filter(stall_order_id__in=[p.id for p in parts]).order_by("id")
    return order_snapshot(order, parts, items)


async def snapshot_of(*, order_id: int) -> dict[str, Any]:
    """`snapshot` of the order with this id."""
    return await snapshot(await Order.get(id=order_id))


def order_snapshot(order: Order, parts: list[StallOrder], items: list[OrderItem]) -> dict[str, Any]:
    """`snapshot` of rows in hand: the parts (with their stalls) and items in id order."""
    return {
        "number": order.number,
        "buyer_id": order.buyer_id,
        "market_id": order.market_id,
        "address_area": order.address_area or order.address_line,
        "district": order.address_area,  # what a courier's offer names: a notification is kept for good
        "distance_km": plain(order.distance_km),
        "total": order.total,
        "subtotal": order.subtotal,
        "delivery_fee": order.delivery_fee,
        "payment_method": order.payment_method.value,
        "payment_status": order.payment_status.value,
        "slot_date": order.slot_date.isoformat(),
        "slot_window": order.slot_window.value,
        "payment_due_at": order.payment_due_at.isoformat() if order.payment_due_at else None,
        "cancel_reason": order.cancel_reason,
        "parts": [
            {
                "id": p.id,
                "stall": p.stall.name,
                "trader_id": p.stall.trader_id,
                "subtotal": p.subtotal,
                "status": p.status.value,
                "reject_reason": p.reject_reason,
                "items": [
                    [i.product_name, plain(i.fulfilled_quantity or i.quantity), i.unit]
                    for i in items
                    if i.stall_order_id == p.id and i.state != ItemState.UNAVAILABLE  # left the order
                ],
            }
            for p in parts
        ],
    }

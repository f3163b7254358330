"""Cancelling an order: by its buyer before pickup, its market's admin before delivery; the stock comes back,
and a paid order's money goes back to its buyer (a refund, ORDER_CANCELLED)."""

from tortoise.transactions import in_transaction

from src.models.accounts import User
from src.models.orders import Order, OrderItem, OrderStatus, PaymentStatus, StallOrder, StallOrderStatus
from src.models.payments import RefundReason
from src.services import payments
from src.services.assignments.carriers import withdraw_for_order
from src.services.common.errors import DomainError, ErrorCode, invalid
from src.services.orders.fulfilment import return_stock
from src.services.orders.refunding import refund_if_paid
from src.services.orders.states import (
    BUYER_MAY_CANCEL,
    LIVE_PARTS,
    lock_order,
    move_order,
    move_stall_order,
    order_state_error,
)
from src.services.orders.timeline import record_event
from src.services.permissions import Action, authorize


async def cancel_order(*, actor: User | None, order_id: int, reason: str) -> Order:
    """The buyer before pickup, the market's admin before delivery; the stock comes back."""
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="orderId")
    is_buyer = actor is not None and actor.id == order.buyer_id
    if not is_buyer:
        authorize(actor, Action.ADMINISTER, order)
    cleaned = " ".join((reason or "").split())
    if not cleaned:
        raise invalid("reason", "REASON_REQUIRED")
    return await cancel(order.id, actor, cleaned[:500], allowed=BUYER_MAY_CANCEL if is_buyer else None)


async def cancel(order_id: int, actor: User | None, reason: str, *, allowed: set[OrderStatus] | None = None) -> Order:
    """Cancel under the order's lock; `allowed` limits the statuses this caller may cancel from."""
    async with in_transaction():
        order = await lock_order(order_id)
        if allowed is not None and order.status not in allowed:
            raise order_state_error(order)
        move_order(order, OrderStatus.CANCELLED)
        order.cancel_reason = reason
        if order.payment_status == PaymentStatus.UNPAID:
            order.payment_status = PaymentStatus.VOID
            await payments.void(await payments.locked_payment(order.id))
        await order.save()
        parts = await StallOrder.filter(order_id=order.id).select_for_update().order_by("id")
        live = [p for p in parts if p.status in LIVE_PARTS]
        # Every part's items at once, so the products are locked in id order as everywhere else.
        await return_stock(await OrderItem.filter(stall_order_id__in=[p.id for p in live]))
        for part in live:
            move_stall_order(part, StallOrderStatus.CANCELLED)
            await part.save()
        courier_id = await withdraw_for_order(order, reason)
        await record_event(order, "CANCELLED", actor, reason, extra={"courier_id": courier_id})
        await refund_if_paid(order, RefundReason.ORDER_CANCELLED)
    return order

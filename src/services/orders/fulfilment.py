"""The traders' part of an order: accepting, rejecting, weighing and readying it, and what follows for the order.

On a paid order, what the buyer paid beyond what they now owe goes back at once (`refunding`): a rejected
part's subtotal, the difference of an item weighed less. A weighed line of a paid order never costs more than
was paid for it: weighed more (or weighed again after a refund), the buyer is not charged more.
"""

from decimal import Decimal

from tortoise.transactions import in_transaction

from src.models.accounts import User
from src.models.orders import (
    ItemState,
    Order,
    OrderItem,
    OrderStatus,
    PaymentStatus,
    StallOrder,
    StallOrderStatus,
)
from src.models.payments import RefundReason
from src.services import catalog, payments
from src.services.common import money
from src.services.common.errors import DomainError, ErrorCode, invalid
from src.services.common.i18n import plain
from src.services.common.quantities import check_quantity
from src.services.orders.refunding import refund_if_paid, refund_rejected
from src.services.orders.states import (
    LIVE_PARTS,
    lock_order,
    move_order,
    move_stall_order,
    order_state_error,
    part_state_error,
)
from src.services.orders.timeline import record_event
from src.services.permissions import Action, authorize
from src.settings import Settings


async def _stall_order_for(actor: User | None, stall_order_id: int) -> StallOrder:
    part = await StallOrder.get_or_none(id=stall_order_id).select_related("stall", "order")
    if part is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="stallOrderId")
    authorize(actor, Action.MANAGE, part.stall)
    return part


async def accept_stall_order(*, actor: User | None, stall_order_id: int) -> StallOrder:
    part = await _stall_order_for(actor, stall_order_id)
    async with in_transaction():
        order = await lock_order(part.order_id)
        part = await StallOrder.select_for_update().get(id=part.id)
        if order.status not in (OrderStatus.PLACED, OrderStatus.PROCESSING):
            raise order_state_error(order)
        move_stall_order(part, StallOrderStatus.ACCEPTED)
        await part.save()
        if order.status == OrderStatus.PLACED:
            move_order(order, OrderStatus.PROCESSING)
            await order.save()
        await record_event(order, "STALL_ACCEPTED", actor, part=part)
    return part


async def reject_stall_order(*, actor: User | None, stall_order_id: int, reason: str) -> StallOrder:
    """A trader cannot supply their part: its stock returns, the order is recomputed (or cancelled)."""
    part = await _stall_order_for(actor, stall_order_id)
    cleaned = " ".join((reason or "").split())
    if not cleaned:
        raise invalid("reason", "REASON_REQUIRED")
    async with in_transaction():
        order = await lock_order(part.order_id)
        part = await StallOrder.select_for_update().get(id=part.id)
        # Traders act on placed orders only: an unpaid transfer order is not theirs to handle yet.
        if order.status not in (OrderStatus.PLACED, OrderStatus.PROCESSING, OrderStatus.READY_FOR_PICKUP):
            raise order_state_error(order)
        move_stall_order(part, StallOrderStatus.REJECTED)
        part.reject_reason = cleaned[:500]
        await part.save()
        await return_stock(await OrderItem.filter(stall_order_id=part.id))
        await _recompute(order)  # the event tells the new total
        await record_event(order, "STALL_REJECTED", actor, cleaned, part=part)
        await _settle(order, actor)
        await refund_rejected(order, part)
    return part


async def set_fulfilled_quantity(
    *, actor: User | None, order_item_id: int, quantity: Decimal, settings: Settings
) -> OrderItem:
    """The weighed amount of a weighed item, within the tolerance; the line and totals follow it."""
    item = await OrderItem.get_or_none(id=order_item_id).select_related("stall_order__stall")
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="orderItemId")
    authorize(actor, Action.MANAGE, item.stall_order.stall)
    if not item.is_weighed:
        raise DomainError(ErrorCode.NOT_WEIGHED, field="orderItemId")
    weighed = check_quantity(quantity, field="quantity")
    tolerance = item.quantity * Decimal(str(settings.weighed_tolerance))
    if abs(weighed - item.quantity) > tolerance:
        raise invalid("quantity", "OUTSIDE_TOLERANCE", percent=Decimal(str(settings.weighed_tolerance)) * 100)
    async with in_transaction():
        order = await lock_order(item.stall_order.order_id)
        part = await StallOrder.select_for_update().get(id=item.stall_order_id)
        if part.status != StallOrderStatus.ACCEPTED:
            raise part_state_error(part)
        item = await OrderItem.select_for_update().get(id=item.id)
        # Left the order (nothing to weigh), or waiting for the buyer's answer to a substitute (offered against
        # the line as it is).
        if item.state in (ItemState.UNAVAILABLE, ItemState.SUBSTITUTION_PENDING):
            raise DomainError(ErrorCode.INVALID_STATE, field="orderItemId", message_key=f"ITEM_{item.state.value}")
        previous = item.fulfilled_quantity if item.fulfilled_quantity is not None else item.quantity
        previous_total = item.line_total
        if item.product_id is not None:
            product = await catalog.lock_product(item.product_id)
            # What is weighed out beyond the order leaves the stock too, so it must be there.
            if weighed - previous > product.stock:
                raise DomainError(ErrorCode.OUT_OF_STOCK, field="quantity", available=product.stock)
            await catalog.change_stock(product, product.stock + previous - weighed)
        item.fulfilled_quantity = weighed
        item.line_total = money.line_total(weighed, item.unit_price)
        if order.payment_status == PaymentStatus.PAID:
            # Paid already: never more than was paid for the line (a difference refunded is not taken back).
            item.line_total = min(item.line_total, previous_total)
        await item.save()
        await _recompute(order)  # the event tells the new total
        weighing = {"item": item.product_name, "quantity": plain(weighed), "unit": item.unit}
        # Weighed at exactly what was ordered: on the timeline, but nothing to tell the buyer.
        told = {**weighing, "changed": weighed != item.quantity}
        await record_event(order, "WEIGHED", actor, part=part, params=weighing, extra=told)
        await _settle(order, actor)
        await refund_if_paid(order, RefundReason.WEIGHED_LESS, stall_order_id=part.id)
    return item


async def mark_stall_order_ready(*, actor: User | None, stall_order_id: int) -> StallOrder:
    part = await _stall_order_for(actor, stall_order_id)
    async with in_transaction():
        order = await lock_order(part.order_id)
        part = await StallOrder.select_for_update().get(id=part.id)
        move_stall_order(part, StallOrderStatus.READY)
        # A weighed item's price is its weight: the part is not ready until each one has been weighed.
        unweighed = await OrderItem.filter(stall_order_id=part.id, is_weighed=True, fulfilled_quantity=None).first()
        if unweighed is not None:
            raise DomainError(
                ErrorCode.NOT_WEIGHED,
                field="stallOrderId",
                message_key="NOT_READY_UNWEIGHED",
                item=unweighed.product_name,
            )
        # A substitute the buyer has not answered yet: the part's contents are not known.
        waiting = await OrderItem.filter(stall_order_id=part.id, state=ItemState.SUBSTITUTION_PENDING).first()
        if waiting is not None:
            raise DomainError(
                ErrorCode.INVALID_STATE,
                field="stallOrderId",
                message_key="NOT_READY_SUBSTITUTION",
                item=waiting.product_name,
            )
        await part.save()
        await record_event(order, "STALL_READY", actor, part=part)
        await _settle(order, actor)
    return part


async def _recompute(order: Order) -> list[StallOrder]:
    """The live parts' subtotals and the order's totals from their items (saved); returns the live parts."""
    parts = await StallOrder.filter(order_id=order.id)
    live = [p for p in parts if p.status in LIVE_PARTS]
    for part in live:
        part.subtotal = sum(i.line_total for i in await OrderItem.filter(stall_order_id=part.id))
        await part.save(update_fields=["subtotal", "updated_at"])
    order.subtotal = sum(p.subtotal for p in live)
    order.total = order.subtotal + order.delivery_fee
    await order.save(update_fields=["subtotal", "total", "updated_at"])
    return live


async def _settle(order: Order, actor: User | None) -> None:
    """After a part changed: totals recomputed; cancelled when no part is left; ready when all are ready."""
    live = await _recompute(order)
    await payments.follow_total(order)
    if not live:
        move_order(order, OrderStatus.CANCELLED)
        order.cancel_reason = "ALL_PARTS_REJECTED"
        if order.payment_status == PaymentStatus.UNPAID:
            order.payment_status = PaymentStatus.VOID
            await payments.void(await payments.locked_payment(order.id))
        await record_event(order, "CANCELLED", actor, "ALL_PARTS_REJECTED")
    elif all(p.status == StallOrderStatus.READY for p in live) and order.status in (
        OrderStatus.PLACED,
        OrderStatus.PROCESSING,
    ):
        move_order(order, OrderStatus.READY_FOR_PICKUP)
        await record_event(order, "READY_FOR_PICKUP", actor)
    await order.save()


async def return_stock(items: list[OrderItem]) -> None:
    """The items' quantities (weighed, where weighed) back in their products' stock, locked in id order."""
    for item in sorted(items, key=lambda i: i.product_id or 0):
        if item.product_id is None:
            continue
        product = await catalog.lock_product_or_none(item.product_id)
        if product is not None:
            back = item.fulfilled_quantity if item.fulfilled_quantity is not None else item.quantity
            await catalog.change_stock(product, product.stock + back)

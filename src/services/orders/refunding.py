"""What an order's buyer paid beyond what they owe goes back to them: a Refund (payments domain), under the
order's row lock, in the caller's transaction.

`refund_overpaid` is called after every change that can lower what is owed (a paid order cancelled, a
part rejected, an item unavailable, weighed items weighing less); `receive_late_payment` records money
that came for an order no longer waiting for it and gives it back.

One change, one refund: each call gives back only what is paid beyond what is owed now, so a part weighed
again at the same weight gives nothing more. A refund once made is not taken back: a paid order's lines
never cost more than the buyer has paid for them (see `fulfilment.set_fulfilled_quantity`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from src.models.accounts import User
from src.models.orders import Order, OrderStatus, PaymentStatus, StallOrder
from src.models.payments import RefundReason
from src.services import payments
from src.services.common.errors import DomainError, ErrorCode
from src.services.orders.states import lock_order
from src.services.orders.timeline import record_event

if TYPE_CHECKING:
    from src.models.payments import Payment, Refund


async def _excess(order: Order, payment: Payment) -> int:
    given_back = await payments.refunds.refunded(payment)
    return payment.paid_amount - given_back - await payments.refunds.still_owed(order, payment)


async def refund_overpaid(
    order: Order, payment: Payment, reason: RefundReason, *, stall_order_id: int | None = None
) -> Refund | None:
    """Give back what came in beyond what the buyer owes now (nothing when they owe it all)."""
    excess = await _excess(order, payment)
    if excess <= 0:
        return None
    return await payments.refunds.create_refund(payment, amount=excess, reason=reason, stall_order_id=stall_order_id)


async def refund_rejected(order: Order, part: StallOrder) -> list[Refund]:
    """A paid order's part rejected: its subtotal goes back as that part's refund (PART_REJECTED); when it
    was the last part, what else was paid (the delivery fee, a transfer's code) goes back as the order's
    (ORDER_CANCELLED), so a trader sees a refund of their own part only. Call under the order's lock."""
    if order.payment_status != PaymentStatus.PAID:
        return []
    payment = await payments.locked_payment(order.id)
    made: list[Refund] = []
    part_share = min(part.subtotal, await _excess(order, payment))
    if part_share > 0:
        refund = await payments.refunds.create_refund(
            payment, amount=part_share, reason=RefundReason.PART_REJECTED, stall_order_id=part.id
        )
        made += [refund] if refund else []
    rest = await refund_overpaid(order, payment, RefundReason.ORDER_CANCELLED)
    return made + ([rest] if rest else [])


async def refund_if_paid(order: Order, reason: RefundReason, *, stall_order_id: int | None = None) -> Refund | None:
    """`refund_overpaid` for an order whose money came in (COD before the door: nothing came yet)."""
    if order.payment_status != PaymentStatus.PAID:
        return None
    payment = await payments.locked_payment(order.id)
    return await refund_overpaid(order, payment, reason, stall_order_id=stall_order_id)


async def receive_late_payment(
    *, order_id: int, amount: int, gateway_payment_id: str | None = None, actor: User | None = None
) -> Refund | None:
    """Money that came for an order that no longer waits for it (expired, cancelled): recorded, never kept,
    given back in full. Raises INVALID_STATE for an order still waiting for its payment."""
    async with in_transaction():
        order = await lock_order(order_id)
        if order.status == OrderStatus.AWAITING_PAYMENT:
            raise DomainError(ErrorCode.INVALID_STATE, field="orderId", message_key="PAYMENT_NOT_EXPECTED")
        return await record_late_payment(order, amount, gateway_payment_id=gateway_payment_id, actor=actor)


async def record_late_payment(
    order: Order, amount: int, *, gateway_payment_id: str | None = None, actor: User | None = None
) -> Refund | None:
    """`receive_late_payment` for an order already locked by the caller: the money recorded, the order
    marked paid (it was cancelled unpaid), a timeline step, and what is not owed given back."""
    payment = await payments.locked_payment(order.id)
    await payments.record_received(payment, amount, gateway_payment_id=gateway_payment_id)
    if order.status == OrderStatus.CANCELLED and order.payment_status != PaymentStatus.PAID:
        order.payment_status = PaymentStatus.PAID
        await order.save(update_fields=["payment_status", "updated_at"])
    await record_event(order, "LATE_PAYMENT_RECEIVED", actor, params={"amount": amount})
    return await refund_overpaid(order, payment, RefundReason.LATE_PAYMENT)

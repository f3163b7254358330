"""What an order's buyer paid beyond what they owe goes back to them: a Refund (payments domain), under the
order's row lock, in the caller's transaction.

`refund_overpaid` is called after every change that can lower what is owed (a paid order cancelled, a
part rejected, an item unavailable, weighed items weighing less); `receive_late_payment` records money
that came for an order no longer waiting for it and gives it back.
"""

from tortoise.transactions import in_transaction

from src.models.orders import Order, OrderStatus, PaymentStatus
from src.models.payments import Payment, Refund, RefundReason
from src.services import payments
from src.services.common.errors import DomainError, ErrorCode
from src.services.orders.states import lock_order
from src.services.orders.timeline import record_event


async def refund_overpaid(
    order: Order, payment: Payment, reason: RefundReason, *, stall_order_id: int | None = None
) -> Refund | None:
    """Give back what came in beyond what the buyer owes now (nothing when they owe it all)."""
    excess = payment.paid_amount - await payments.refunds.refunded(payment) - payments.owed(order, payment)
    if excess <= 0:
        return None
    return await payments.refunds.create_refund(payment, amount=excess, reason=reason, stall_order_id=stall_order_id)


async def receive_late_payment(*, order_id: int, amount: int, gateway_payment_id: str | None = None) -> Refund | None:
    """Money that came for an order that no longer waits for it (expired, cancelled): recorded, never kept,
    given back in full. Raises INVALID_STATE for an order still waiting for its payment."""
    async with in_transaction():
        order = await lock_order(order_id)
        if order.status == OrderStatus.AWAITING_PAYMENT:
            raise DomainError(ErrorCode.INVALID_STATE, field="orderId", message_key="PAYMENT_NOT_EXPECTED")
        payment = await payments.locked_payment(order.id)
        await payments.record_received(payment, amount, gateway_payment_id=gateway_payment_id)
        if order.status == OrderStatus.CANCELLED and order.payment_status != PaymentStatus.PAID:
            order.payment_status = PaymentStatus.PAID
            await order.save(update_fields=["payment_status", "updated_at"])
        await record_event(order, "LATE_PAYMENT_RECEIVED", None, params={"amount": amount})
        return await refund_overpaid(order, payment, RefundReason.LATE_PAYMENT)

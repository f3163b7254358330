"""Paying for an order: the admin confirms a transfer or QRIS payment; unpaid orders expire."""

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import User
from src.models.orders import Order, OrderStatus, PaymentStatus
from src.services.common.errors import DomainError, ErrorCode
from src.services.orders.cancelling import cancel
from src.services.orders.states import lock_order, move_order
from src.services.orders.timeline import record_event
from src.services.permissions import Action, authorize


async def confirm_payment(*, actor: User | None, order_id: int) -> Order:
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="orderId")
    authorize(actor, Action.ADMINISTER, order)
    async with in_transaction():
        order = await lock_order(order.id)
        move_order(order, OrderStatus.PLACED)
        order.payment_status = PaymentStatus.PAID
        await order.save()
        await record_event(order, "PAYMENT_CONFIRMED", actor)
    return order


async def expire_unpaid_orders() -> int:
    """Cancel transfer/QRIS orders whose payment did not come in time, returning their stock."""
    expired = await Order.filter(status=OrderStatus.AWAITING_PAYMENT, payment_due_at__lt=now()).values("id")
    count = 0
    for row in expired:
        try:
            # Only from AWAITING_PAYMENT, checked under the lock: a payment confirmed meanwhile wins.
            await cancel(int(row["id"]), None, "PAYMENT_EXPIRED", allowed={OrderStatus.AWAITING_PAYMENT})
            count += 1
        except DomainError:
            continue
    return count

"""Money that comes after an order expired is recorded and given back, never kept."""

import pytest

from src.models.orders import Order, OrderStatus, PaymentMethod, PaymentStatus
from src.models.outbox import OutboxEvent
from src.models.payments import Payment, PaymentState, Refund, RefundMethod, RefundReason, RefundStatus
from src.services import orders as orders_service
from src.services import payments
from src.services.common.errors import DomainError, ErrorCode
from tests.support.world import World


async def test_a_transfer_after_expiry_is_recorded_and_refunded_in_full(world: World) -> None:
    order = await world.order(method=PaymentMethod.BANK_TRANSFER, ready=False)
    await orders_service._cancel(order.id, None, "PAYMENT_EXPIRED", allowed={OrderStatus.AWAITING_PAYMENT})
    due = (await Payment.get(order_id=order.id)).amount_due

    refund = await orders_service.receive_late_payment(order_id=order.id, amount=due)

    assert refund is not None
    assert (refund.amount, refund.reason, refund.status, refund.method) == (
        due, RefundReason.LATE_PAYMENT, RefundStatus.PENDING, RefundMethod.MANUAL,
    )  # fmt: skip
    payment = await Payment.get(order_id=order.id)
    assert (payment.paid_amount, payment.state) == (due, PaymentState.PAID)
    assert (await Order.get(id=order.id)).payment_status == PaymentStatus.PAID
    # paid − refunded = owed (nothing, the order is cancelled)
    assert payment.paid_amount - await payments.refunds.refunded(payment) == 0
    events = await OutboxEvent.filter(topic="refund.created").values_list("payload", flat=True)
    assert [e["refund_id"] for e in events] == [refund.id]


async def test_a_payment_is_never_refunded_beyond_what_came(world: World) -> None:
    order = await world.order(method=PaymentMethod.QRIS, ready=False)
    await orders_service.confirm_payment(actor=world.admin, order_id=order.id)
    payment = await Payment.get(order_id=order.id)
    first = await payments.refunds.create_refund(
        payment, amount=payment.paid_amount - 1_000, reason=RefundReason.COMPLAINT
    )
    second = await payments.refunds.create_refund(payment, amount=5_000, reason=RefundReason.COMPLAINT)
    third = await payments.refunds.create_refund(payment, amount=1, reason=RefundReason.COMPLAINT)
    assert first is not None and second is not None and third is None
    assert second.amount == 1_000
    # A failed refund gave nothing back: that much may be refunded again.
    await Refund.filter(id=second.id).update(status=RefundStatus.FAILED)
    assert await payments.refunds.refundable(payment) == 1_000


async def test_money_for_an_order_still_waiting_for_it_is_not_a_late_payment(world: World) -> None:
    order = await world.order(method=PaymentMethod.BANK_TRANSFER, ready=False)
    with pytest.raises(DomainError) as caught:
        await orders_service.receive_late_payment(order_id=order.id, amount=10_000)
    assert caught.value.code == ErrorCode.INVALID_STATE
    assert (await Payment.get(order_id=order.id)).paid_amount == 0
    assert not await Refund.exists()

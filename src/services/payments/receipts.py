"""Money coming in: a payment recorded as received (once), a transfer's proof, a payment voided.

Each is called by the orders domain under the order's row lock, in its transaction.
"""

from datetime import datetime

from tortoise.timezone import now

from src.models.payments import Payment, PaymentState
from src.services.common.errors import DomainError, ErrorCode
from src.services.payments.dues import OPEN_STATES


async def locked_payment(order_id: int) -> Payment:
    return await Payment.select_for_update().get(order_id=order_id)


async def record_received(
    payment: Payment, amount: int, *, at: datetime | None = None, gateway_payment_id: str | None = None
) -> Payment:
    """Money for the order came in: the payment is PAID and no longer holds its transfer's amount."""
    if amount <= 0:
        raise DomainError(ErrorCode.INVALID_INPUT, field="amount", message_key="AMOUNT_POSITIVE")
    payment.paid_amount += amount
    payment.paid_at = at or now()
    payment.state = PaymentState.PAID
    payment.open_amount = None
    if gateway_payment_id is not None:
        payment.gateway_payment_id = gateway_payment_id
    await payment.save()
    return payment


async def gateway_payment_known(gateway_payment_id: str) -> bool:
    """Whether money with this gateway id is recorded already (on any order)."""
    return await Payment.exists(gateway_payment_id=gateway_payment_id)


async def record_proof(payment: Payment, key: str) -> Payment:
    """The buyer's photo of their transfer: the admin confirms the payment against it."""
    if payment.state not in OPEN_STATES:
        raise DomainError(ErrorCode.INVALID_STATE, field="orderId", message_key="PAYMENT_NOT_EXPECTED")
    payment.proof_key = key
    payment.state = PaymentState.PROOF_RECEIVED
    await payment.save()
    return payment


async def void(payment: Payment) -> Payment:
    """The order ended before any money came: nothing is due, and the transfer's amount is free again."""
    if payment.state in OPEN_STATES and payment.paid_amount == 0:
        payment.state = PaymentState.VOID
        payment.open_amount = None
        await payment.save()
    return payment

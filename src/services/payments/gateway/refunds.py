"""A GATEWAY refund paid back through the gateway (a job started by its `refund.created` event): PAID with the
gateway's refund id as its reference, or FAILED with the failure and replaced at once by a MANUAL refund of the
same amount for the market admin to pay, so paid − refunded = owed still holds.

Keyed at the gateway by our refund id (`pasar-refund-<id>`, as reference and idempotency key): a job run
again after a lost answer gets the same refund back, never a second one.
"""

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.payments import Payment, Refund, RefundMethod, RefundStatus
from src.services.payments.gateway.provider import GatewayError, PaymentProvider, RefundState
from src.services.payments.refunds import create_refund


def refund_key(refund: Refund) -> str:
    return f"pasar-refund-{refund.id}"


async def pay_refund(*, refund_id: int, provider: PaymentProvider) -> RefundStatus | None:
    """Pay a PENDING gateway refund back through the gateway; its status after (PENDING while the gateway
    has not finished: ask again later). Raises GatewayError when the gateway may answer later."""
    refund = await Refund.get_or_none(id=refund_id)
    if refund is None or refund.method != RefundMethod.GATEWAY or refund.status != RefundStatus.PENDING:
        return refund.status if refund else None
    payment = await Payment.get(id=refund.payment_id)
    if payment.gateway_id is None:
        return await fail_refund(refund_id=refund.id, failure="NO_GATEWAY_PAYMENT")
    try:
        if refund.gateway_refund_id is not None:
            answer = await provider.refund_status(refund.gateway_refund_id)
        else:
            key = refund_key(refund)
            answer = await provider.refund(
                request_id=payment.gateway_id, amount=refund.amount, reference=key, idempotency_key=key
            )
    except GatewayError as exc:
        if exc.transient:
            raise
        return await fail_refund(refund_id=refund.id, failure=str(exc))
    if answer.state == RefundState.FAILED:
        return await fail_refund(refund_id=refund.id, failure=answer.failure or "REFUND_FAILED")
    async with in_transaction():
        refund = await Refund.select_for_update().get(id=refund.id)
        if refund.status != RefundStatus.PENDING:
            return refund.status
        refund.gateway_refund_id = answer.refund_id
        if answer.state == RefundState.SUCCEEDED:
            refund.status = RefundStatus.PAID
            refund.reference = answer.refund_id
            refund.paid_at = now()
        await refund.save(update_fields=["gateway_refund_id", "status", "reference", "paid_at"])
    return refund.status


async def fail_refund(*, refund_id: int, failure: str) -> RefundStatus | None:
    """The gateway could not pay the refund back: FAILED with the reason, and a MANUAL refund of the same
    amount in its place (in one transaction, under the payment's row lock). Nothing for a refund no longer
    PENDING (paid, or failed and replaced already)."""
    async with in_transaction():
        refund = await Refund.get_or_none(id=refund_id)
        if refund is None:
            return None
        payment = await Payment.select_for_update().get(id=refund.payment_id)
        refund = await Refund.select_for_update().get(id=refund_id)
        if refund.status != RefundStatus.PENDING or refund.method != RefundMethod.GATEWAY:
            return refund.status
        refund.status = RefundStatus.FAILED
        refund.failure = " ".join(failure.split())[:200] or "REFUND_FAILED"
        await refund.save(update_fields=["status", "failure"])
        await create_refund(
            payment,
            amount=refund.amount,
            reason=refund.reason,
            stall_order_id=refund.stall_order_id,
            method=RefundMethod.MANUAL,
        )
    return RefundStatus.FAILED

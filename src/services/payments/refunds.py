"""Money given back: a refund whenever a buyer has paid more than they now owe, never more than was paid.

A refund is created under the order's row lock, in the caller's transaction, with an outbox event
(`refund.created`) that tells the buyer and, for a payment that came through the gateway, starts the
gateway's refund. A FAILED refund gave nothing back: it does not count against what may still be refunded.
"""

from typing import Any

from src.models.outbox import OutboxEvent
from src.models.payments import Payment, Refund, RefundMethod, RefundReason, RefundStatus
from src.services.common import outbox

GIVING_BACK = (RefundStatus.PENDING, RefundStatus.PAID)


async def refunded(payment: Payment) -> int:
    """What has been (or is being) given back of the payment: its refunds that did not fail."""
    amounts = await Refund.filter(payment_id=payment.id, status__in=GIVING_BACK).values_list("amount", flat=True)
    return sum(int(a) for a in amounts)  # type: ignore[call-overload]


async def refundable(payment: Payment) -> int:
    """What may still be given back: what came in, less what is given back already."""
    return max(0, payment.paid_amount - await refunded(payment))


def refund_event(refund: Refund, topic: str, **extra: Any) -> dict[str, Any]:
    return {
        "refund_id": refund.id,
        "order_id": refund.order_id,
        "market_id": refund.market_id,
        "stall_order_id": refund.stall_order_id,
        "amount": refund.amount,
        "reason": refund.reason.value,
        "method": refund.method.value,
        "topic": topic,
        **extra,
    }


async def create_refund(
    payment: Payment,
    *,
    amount: int,
    reason: RefundReason,
    stall_order_id: int | None = None,
    method: RefundMethod | None = None,
) -> Refund | None:
    """Give back `amount` of the payment (capped at what may still be refunded); None when nothing is left.

    Paid through the gateway: the gateway pays it back (`Refund.method` GATEWAY, a job started by the
    event); otherwise the market admin does and records the reference (MANUAL). `method` overrides that
    choice (a failed gateway refund is replaced by a MANUAL one)."""
    amount = min(amount, await refundable(payment))
    if amount <= 0:
        return None
    if method is None:
        method = RefundMethod.GATEWAY if payment.gateway_payment_id else RefundMethod.MANUAL
    refund = await Refund.create(
        payment_id=payment.id, order_id=payment.order_id, market_id=payment.market_id,
        stall_order_id=stall_order_id, amount=amount, reason=reason, method=method,
    )  # fmt: skip
    event = await OutboxEvent.create(topic="refund.created", payload=refund_event(refund, "refund.created"))
    outbox.note(event.id)  # handed over right after the commit by the one hook
    return refund

"""Money given back: a refund whenever a buyer has paid more than they now owe, never more than was paid.

A refund is created under the order's row lock, in the caller's transaction, with an outbox event
(`refund.created`) that tells the buyer and, for a payment that came through the gateway, starts the
gateway's refund. A FAILED refund gave nothing back: it does not count against what may still be refunded.

Most refunds follow from the order (it was cancelled, a part rejected, an item weighed less: its total fell).
A complaint's refund is a credit instead: the order's total stays, and what the buyer owes is that total
less the credit (`still_owed`), so a later change of the order refunds only what it changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from src.models.payments import Payment, Refund, RefundMethod, RefundReason, RefundStatus
from src.services.common import outbox
from src.services.payments.owing import owed

if TYPE_CHECKING:
    from src.models.orders import Order

GIVING_BACK = (RefundStatus.PENDING, RefundStatus.PAID)
# Refunds the market grants on top of the order (its total unchanged): they lower what is owed.
CREDITS = (RefundReason.COMPLAINT,)


async def refunded(payment: Payment) -> int:
    """What has been (or is being) given back of the payment: its refunds that did not fail."""
    amounts = await Refund.filter(payment_id=payment.id, status__in=GIVING_BACK).values_list("amount", flat=True)
    return sum(int(a) for a in amounts)  # type: ignore[call-overload]


async def refundable(payment: Payment) -> int:
    """What may still be given back: what came in, less what is given back already."""
    return max(0, payment.paid_amount - await refunded(payment))


async def credited(payment: Payment) -> int:
    """What was granted back beyond the order's own changes (complaints), not failed."""
    amounts = await Refund.filter(payment_id=payment.id, status__in=GIVING_BACK, reason__in=CREDITS).values_list(
        "amount", flat=True
    )
    return sum(int(a) for a in amounts)  # type: ignore[call-overload]


async def still_owed(order: Order, payment: Payment) -> int:
    """What the buyer owes for the order now: `owed` less the credits granted on it."""
    return max(0, owed(order, payment) - await credited(payment))


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
    outbox.note(
        await outbox.write("refund.created", refund_event(refund, "refund.created"))
    )  # handed over right after the commit by the one hook
    return refund

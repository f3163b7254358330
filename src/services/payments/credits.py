"""A complaint resolved with money: credited off what the buyer owes, refunded, and charged to the trader whose
part it was about.

What may be given back for a part is what was paid for it: its subtotal as delivered (refunds for its missing
or lighter items already came off that), less what complaints about it gave back before; for the whole order,
whatever of the payment is not given back yet. The credit lowers what is owed by what the refund gives back
(`refunds.still_owed`), so paid − refunded = owed still holds. Called by complaints under the order's lock,
in its transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from src.models.payments import Payment, Refund, RefundReason
from src.services.payments.ledger import record_refund
from src.services.payments.refunds import GIVING_BACK, create_refund, refundable

if TYPE_CHECKING:
    from src.models.orders import StallOrder


async def complaint_refundable(payment: Payment, part: StallOrder | None) -> int:
    """The most a complaint about `part` (or the whole order, for None) may give back now."""
    left = await refundable(payment)
    if part is None:
        return left
    given = await Refund.filter(
        payment_id=payment.id, stall_order_id=part.id, reason=RefundReason.COMPLAINT, status__in=GIVING_BACK
    ).values_list("amount", flat=True)
    return max(0, min(left, part.subtotal - sum(int(a) for a in given)))  # type: ignore[call-overload]


async def refund_complaint(
    payment: Payment, *, amount: int, part: StallOrder | None, order_number: str, recorded_by_id: int | None
) -> Refund | None:
    """Give back `amount` (checked against `complaint_refundable` by the caller): the buyer owes that much less,
    and a part's trader bears it on the ledger."""
    refund = await create_refund(
        payment, amount=amount, reason=RefundReason.COMPLAINT, stall_order_id=part.id if part else None
    )
    if refund is None:
        return None
    if part is not None:
        await record_refund(refund=refund, part=part, order_number=order_number, recorded_by_id=recorded_by_id)
    return refund

"""The market admin's refund desk: the market's refunds listed by status, a manual refund recorded as paid.

A MANUAL refund is money the admin sends back by hand (a transfer to the buyer, cash at the market); once
sent they record its reference (`mark_refund_paid`), and the buyer is told (`refund.paid`). A GATEWAY refund
is paid by the payment gateway, never recorded here.
"""

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import User
from src.models.payments import Refund, RefundMethod, RefundStatus
from src.services import markets
from src.services.common import outbox
from src.services.common.errors import DomainError, ErrorCode, ErrorCollector, invalid
from src.services.common.text import clean_text
from src.services.payments.refunds import refund_event
from src.services.permissions import Action, authorize

REFERENCE_MAX = 100


def _reference(reference: str) -> str:
    errors = ErrorCollector()
    cleaned = clean_text(reference, field="reference", max_length=REFERENCE_MAX, errors=errors, required=False)
    if not cleaned and not errors.errors:
        errors.add(invalid("reference", "REFERENCE_REQUIRED"))
    errors.raise_if_any()
    return cleaned


async def mark_refund_paid(*, actor: User | None, refund_id: int, reference: str) -> Refund:
    """The market's admin sent a MANUAL refund back: its reference (the transfer's, trimmed, at most 100
    characters) and the time are recorded once; the buyer is told. Paid, failed or gateway: INVALID_STATE."""
    refund = await Refund.get_or_none(id=refund_id)
    if refund is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="refundId")
    authorize(actor, Action.ADMINISTER, refund)
    assert actor is not None
    cleaned = _reference(reference)
    async with in_transaction():
        refund = await Refund.select_for_update().get(id=refund.id)
        if refund.method != RefundMethod.MANUAL:
            raise DomainError(ErrorCode.INVALID_STATE, field="refundId", message_key="REFUND_BY_GATEWAY")
        if refund.status == RefundStatus.PAID:
            raise DomainError(ErrorCode.INVALID_STATE, field="refundId", message_key="REFUND_ALREADY_PAID")
        if refund.status != RefundStatus.PENDING:
            raise DomainError(ErrorCode.INVALID_STATE, field="refundId", message_key="REFUND_FAILED")
        refund.status = RefundStatus.PAID
        refund.reference = cleaned
        refund.paid_at = now()
        refund.paid_by_id = actor.id
        await refund.save(update_fields=["status", "reference", "paid_at", "paid_by_id"])
        outbox.note(
            await outbox.write("refund.paid", refund_event(refund, "refund.paid", reference=cleaned, actor_id=actor.id))
        )
    return refund


async def market_refunds(
    *, actor: User | None, market_id: int, status: RefundStatus | None, after_id: int | None, limit: int
) -> list[Refund]:
    """A market's refunds, newest first (a page of `limit` after the cursor's id): for its admins and the
    trade office."""
    market = await markets.market_or_none(market_id)
    if market is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="marketId")
    authorize(actor, Action.ADMINISTER, market)
    query = Refund.filter(market_id=market.id)
    if status is not None:
        query = query.filter(status=status)
    if after_id is not None:
        query = query.filter(id__lt=after_id)
    return await query.order_by("-id").limit(limit)


async def refunds_of(order_ids: list[int]) -> dict[int, list[Refund]]:
    """The orders' refunds, oldest first, by order id, in one query."""
    grouped: dict[int, list[Refund]] = {i: [] for i in order_ids}
    for refund in await Refund.filter(order_id__in=order_ids).order_by("id"):
        grouped[refund.order_id].append(refund)
    return grouped


async def refund_or_none(refund_id: int) -> Refund | None:
    return await Refund.get_or_none(id=refund_id)

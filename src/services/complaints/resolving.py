"""The market admin's answer to a complaint: money back (at most what was paid for that part) or a refusal."""

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import User
from src.models.complaints import Complaint, ComplaintResolution, ComplaintStatus
from src.services import orders as orders_service
from src.services import payments
from src.services.common.errors import DomainError, ErrorCode, ErrorCollector, invalid
from src.services.common.money import Rupiah
from src.services.common.text import clean_text
from src.services.orders.states import lock_order
from src.services.permissions import Action, authorize

NOTE_LENGTH = 1000


async def resolve_complaint(
    *, actor: User | None, complaint_id: int, resolution: ComplaintResolution, amount: int | None, note: str
) -> Complaint:
    """REFUND: a COMPLAINT refund of `amount` (all that may be given back when omitted), charged to the part's
    trader when it is about one part; REJECT: nothing given back. The buyer (and the part's trader) are told."""
    complaint = await Complaint.get_or_none(id=complaint_id)
    if complaint is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="complaintId")
    authorize(actor, Action.ADMINISTER, complaint)
    assert actor is not None
    errors = ErrorCollector()
    cleaned = clean_text(note, field="note", max_length=NOTE_LENGTH, errors=errors, multiline=True)
    if amount is not None and resolution == ComplaintResolution.REJECT:
        errors.add(invalid("amount", "AMOUNT_NOT_FOR_REJECT"))
    elif amount is not None and amount <= 0:
        errors.add(invalid("amount", "AMOUNT_POSITIVE"))
    errors.raise_if_any()
    async with in_transaction():
        order = await lock_order(complaint.order_id)
        complaint = await Complaint.select_for_update().get(id=complaint.id)
        if complaint.status != ComplaintStatus.OPEN:
            raise DomainError(ErrorCode.INVALID_STATE, field="complaintId", message_key="COMPLAINT_RESOLVED")
        part = None
        if complaint.stall_order_id is not None:
            part = next(p for p in (await orders_service.parts_of([order.id]))[order.id]
                        if p.id == complaint.stall_order_id)  # fmt: skip
        if resolution == ComplaintResolution.REFUND:
            payment = await payments.locked_payment(order.id)
            most = await payments.complaint_refundable(payment, part)
            if most <= 0:
                raise DomainError(ErrorCode.INVALID_STATE, field="complaintId", message_key="NOTHING_TO_REFUND")
            given = most if amount is None else amount
            if given > most:
                raise invalid("amount", "AMOUNT_ABOVE_PAID", paid=Rupiah(most))
            refund = await payments.refund_complaint(
                payment, amount=given, part=part, order_number=order.number, recorded_by_id=actor.id
            )
            assert refund is not None  # within what may be given back
            complaint.status, complaint.amount, complaint.refund_id = ComplaintStatus.REFUNDED, refund.amount, refund.id
        else:
            complaint.status = ComplaintStatus.REJECTED
        complaint.resolution = resolution
        complaint.note = cleaned
        complaint.resolved_by_id = actor.id
        complaint.resolved_at = now()
        await complaint.save()
        told = {"resolution": resolution.value, "amount": complaint.amount or 0}
        await orders_service.record_event(
            order, "COMPLAINT_RESOLVED", actor, cleaned, part=part, params=told,
            extra={**told, "complaint_id": complaint.id},
        )  # fmt: skip
    return complaint

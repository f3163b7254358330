"""The courier's steps: accepting or declining an offer, pickup, delivery (photo, cash) and a failed delivery."""

from __future__ import annotations

import asyncio
import secrets
from typing import TYPE_CHECKING

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import User
from src.models.delivery import DeliveryAssignment
from src.models.orders import OrderStatus, PaymentStatus
from src.services import imaging, payments, photos
from src.services import orders as orders_service
from src.services.assignments.states import A, assignment_state_error, move, touch
from src.services.common.errors import DomainError, ErrorCode, invalid
from src.services.delivery.couriers import require_courier
from src.services.delivery.offers import courier_extra, offer
from src.services.orders.states import lock_order, move_order
from src.settings import Settings
from src.storage import Storage

if TYPE_CHECKING:
    from src.models.orders import Order

PROOF_LONG_EDGE = 1280


async def _own(actor: User | None, assignment_id: int) -> tuple[User, DeliveryAssignment]:
    courier = require_courier(actor)
    assignment = await DeliveryAssignment.get_or_none(id=assignment_id)
    # Another courier's assignment is reported as missing: its existence is none of their business.
    if assignment is None or assignment.courier_id != courier.id:
        raise DomainError(ErrorCode.NOT_FOUND, field="assignmentId")
    return courier, assignment


async def _locked(assignment: DeliveryAssignment) -> tuple[Order, DeliveryAssignment]:
    """The order's lock first (as every order change takes it), then the assignment's."""
    order = await lock_order(assignment.order_id)
    return order, await DeliveryAssignment.select_for_update().get(id=assignment.id)


async def accept(*, actor: User | None, assignment_id: int) -> DeliveryAssignment:
    courier, assignment = await _own(actor, assignment_id)
    async with in_transaction():
        order, assignment = await _locked(assignment)
        if assignment.status == A.OFFERED and assignment.expires_at is not None and assignment.expires_at <= now():
            raise DomainError(ErrorCode.OFFER_EXPIRED)
        move(assignment, A.ACCEPTED)
        assignment.accepted_at = now()
        await assignment.save()
        await orders_service.record_event(
            order, "COURIER_ASSIGNED", courier, courier.name, extra=courier_extra(courier)
        )
        touch(assignment)
    return assignment


def _reason(reason: str) -> str:
    cleaned = " ".join((reason or "").split())
    if not cleaned:
        raise invalid("reason", "REASON_REQUIRED")
    return cleaned[:500]


async def decline(
    *, actor: User | None, assignment_id: int, reason: str, settings: Settings
) -> tuple[DeliveryAssignment, DeliveryAssignment | None]:
    """The courier will not take it: it passes at once to the next courier (returned, if any)."""
    courier, assignment = await _own(actor, assignment_id)
    cleaned = _reason(reason)
    async with in_transaction():
        order, assignment = await _locked(assignment)
        was_accepted = assignment.status == A.ACCEPTED
        move(assignment, A.DECLINED)
        assignment.reason = cleaned
        await assignment.save()
        touch(assignment)
        if was_accepted:
            await orders_service.record_event(order, "COURIER_UNASSIGNED", courier, cleaned)
        following = await offer(order, settings) if order.status == OrderStatus.READY_FOR_PICKUP else None
    return assignment, following


async def mark_picked_up(*, actor: User | None, assignment_id: int) -> DeliveryAssignment:
    """Every stall's part is in the courier's bag: the order is out for delivery."""
    courier, assignment = await _own(actor, assignment_id)
    async with in_transaction():
        order, assignment = await _locked(assignment)
        move(assignment, A.PICKED_UP)
        move_order(order, OrderStatus.OUT_FOR_DELIVERY)  # INVALID_STATE until every part is ready
        assignment.picked_up_at = now()
        await assignment.save()
        await order.save()
        await orders_service.record_event(order, "PICKED_UP", courier, courier.name, extra=courier_extra(courier))
        touch(assignment)
    return assignment


async def mark_delivered(
    *,
    actor: User | None,
    assignment_id: int,
    cod_collected: int | None,
    proof_photo: bytes | None,
    storage: Storage,
    settings: Settings,
) -> DeliveryAssignment:
    """Handed over at the door, with a photo (metadata stripped) and, for COD, the cash collected. A
    collected amount that differs from what was due is recorded and flagged on the timeline."""
    courier, assignment = await _own(actor, assignment_id)
    if cod_collected is not None and cod_collected < 0:
        raise invalid("codCollected", "NEGATIVE_AMOUNT")
    if assignment.cod_expected > 0 and cod_collected is None:
        raise invalid("codCollected", "COD_AMOUNT_REQUIRED")
    if assignment.cod_expected == 0 and cod_collected:
        raise invalid("codCollected", "NOTHING_TO_COLLECT")
    if assignment.status != A.PICKED_UP:  # checked again under the lock; here to spare storing a photo
        raise assignment_state_error(assignment)
    key = None
    if proof_photo is not None:
        photos.check_size(len(proof_photo), settings, field="proofPhoto")
        try:
            jpeg = await asyncio.to_thread(
                imaging.upright_jpeg, proof_photo, max_pixels=settings.max_image_pixels, long_edge=PROOF_LONG_EDGE
            )
        except imaging.ImageRejected as exc:
            raise invalid("proofPhoto", exc.reason) from exc
        # Private: only the buyer, the courier and the market's admins get a (short-lived, signed) link.
        key = f"proofs/{assignment.id}-{secrets.token_urlsafe(8)}.jpg"
        await storage.put(key, jpeg, content_type="image/jpeg", cache_control="private, max-age=900")
    async with in_transaction():
        order, assignment = await _locked(assignment)
        move(assignment, A.DELIVERED)
        move_order(order, OrderStatus.DELIVERED)
        assignment.delivered_at = now()
        assignment.proof_photo_key = key
        if assignment.cod_expected > 0:
            assignment.cod_collected = cod_collected
            assignment.cod_difference = (cod_collected or 0) - assignment.cod_expected
            order.payment_status = PaymentStatus.PAID
            # The market has the amount due (through its courier); a difference is the courier's to settle.
            payment = await payments.locked_payment(order.id)
            await payments.record_received(payment, payment.amount_due)
        # The ledger: each delivered part is its trader's sale, the cash is the courier's to hand over.
        parts = (await orders_service.parts_of([order.id])).get(order.id, [])
        await payments.record_delivery(order=order, parts=parts, courier_id=courier.id,
                                       cod_collected=assignment.cod_collected,
                                       commission_percent=settings.commission_percent)  # fmt: skip
        await assignment.save()
        await order.save()
        await orders_service.record_event(order, "DELIVERED", courier, courier.name, extra=courier_extra(courier))
        if assignment.cod_difference:
            amounts = {"expected": assignment.cod_expected, "collected": assignment.cod_collected}
            # Told in the reader's language when read (Rp 50.840), and to the market's admins only.
            await orders_service.record_event(order, "COD_MISMATCH", courier, params=amounts, extra=amounts)
        touch(assignment)
    return assignment


async def mark_failed(*, actor: User | None, assignment_id: int, reason: str) -> DeliveryAssignment:
    """Could not hand it over (nobody home, wrong address): the goods go back to the market and the order
    waits for the market admin, who assigns it again or cancels it."""
    courier, assignment = await _own(actor, assignment_id)
    cleaned = _reason(reason)
    async with in_transaction():
        order, assignment = await _locked(assignment)
        move(assignment, A.FAILED)
        move_order(order, OrderStatus.READY_FOR_PICKUP)
        assignment.reason = cleaned
        await assignment.save()
        await order.save()
        await orders_service.record_event(order, "DELIVERY_FAILED", courier, cleaned)
        touch(assignment)
    return assignment

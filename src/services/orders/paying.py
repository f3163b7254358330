"""Paying for an order: the buyer sends a transfer's proof, the admin confirms a transfer or QRIS payment;
unpaid orders expire. The money's own records are the payments domain's (`services/payments`).

A transfer the admin confirms after its order expired (or was cancelled unpaid) is money the market holds:
it is recorded and given back in full (a LATE_PAYMENT refund for the admin to pay), never kept or refused.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import TYPE_CHECKING

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import User
from src.models.orders import Order, OrderStatus, PaymentMethod, PaymentStatus
from src.services import imaging, payments, photos
from src.services.common.errors import DomainError, ErrorCode
from src.services.orders.cancelling import cancel
from src.services.orders.refunding import record_late_payment
from src.services.orders.states import lock_order, move_order
from src.services.orders.timeline import record_event
from src.services.permissions import Action, authorize
from src.settings import Settings
from src.storage import Storage

if TYPE_CHECKING:
    from src.models.payments import Payment

PROOF_LONG_EDGE = 1600


async def submit_payment_proof(
    *, actor: User | None, order_id: int, data: bytes, storage: Storage, settings: Settings
) -> Order:
    """The buyer's photo of their transfer (metadata stripped, private): the order waits for the admin's
    confirmation with it."""
    order = await Order.get_or_none(id=order_id)
    if order is None or actor is None or order.buyer_id != actor.id:
        raise DomainError(ErrorCode.NOT_FOUND, field="orderId")
    if order.status != OrderStatus.AWAITING_PAYMENT or order.payment_method == PaymentMethod.COD:
        raise DomainError(ErrorCode.INVALID_STATE, field="orderId", message_key="PAYMENT_NOT_EXPECTED")
    photos.check_size(len(data), settings, field="file")
    try:
        jpeg = await asyncio.to_thread(
            imaging.upright_jpeg, data, max_pixels=settings.max_image_pixels, long_edge=PROOF_LONG_EDGE
        )
    except imaging.ImageRejected as exc:
        raise DomainError(ErrorCode.INVALID_INPUT, field="file", message_key=exc.reason) from exc
    key = f"payment-proofs/{order.id}-{secrets.token_urlsafe(8)}.jpg"
    await storage.put(key, jpeg, content_type="image/jpeg", cache_control="private, max-age=900")
    async with in_transaction():
        order = await lock_order(order.id)
        if order.status != OrderStatus.AWAITING_PAYMENT:
            raise DomainError(ErrorCode.INVALID_STATE, field="orderId", message_key="PAYMENT_NOT_EXPECTED")
        await payments.record_proof(await payments.locked_payment(order.id), key)
        await record_event(order, "PAYMENT_PROOF_SUBMITTED", actor)
    return order


async def confirm_payment(*, actor: User | None, order_id: int) -> Order:
    """The market's admin confirms that a transfer's or QRIS payment came in."""
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="orderId")
    authorize(actor, Action.ADMINISTER, order)
    async with in_transaction():
        order = await lock_order(order.id)
        if order.status == OrderStatus.CANCELLED and order.payment_method != PaymentMethod.COD:
            if order.payment_status == PaymentStatus.PAID:  # recorded (and refunded) once already
                raise DomainError(ErrorCode.INVALID_STATE, field="orderId", message_key="ALREADY_PAID")
            due = (await payments.locked_payment(order.id)).amount_due
            await record_late_payment(order, due, actor=actor)
            return order
        payment = await payments.locked_payment(order.id)
        await record_paid(order, payment, actor, amount=payment.amount_due)
    return order


async def record_paid(
    order: Order, payment: Payment, actor: User | None, *, amount: int, gateway_payment_id: str | None = None
) -> None:
    """The money an order waits for came in (confirmed by the admin, or told by the gateway): the order is
    placed and paid, and its PAYMENT_CONFIRMED step tells the buyer and the traders. Under the order's and
    the payment's locks, in the caller's transaction."""
    move_order(order, OrderStatus.PLACED)
    order.payment_status = PaymentStatus.PAID
    await order.save()
    await payments.record_received(payment, amount, gateway_payment_id=gateway_payment_id)
    await record_event(order, "PAYMENT_CONFIRMED", actor)


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

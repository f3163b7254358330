"""The payment gateway's callbacks (`POST /payments/callback/xendit`): money that came for an order through
the gateway marks it paid exactly once, however many times (and however concurrently) the callback arrives.

Checked in this order, and anything that fails changes nothing and is logged (a structured warning: the
`gateway_callback` record attribute): the token (compared in constant time; a wrong one is REFUSED, 401),
the body, our reference (unknown: ignored), the gateway's request (a dropped one: ignored), the currency
(IDR) and the amount (exactly what is due). Then, under the order's and the payment's row locks: money the
payment already holds from the gateway is a replay (ignored; `gateway_payment_id` is unique besides); an
order waiting for its payment is paid through `paying.record_paid`, the same step as the admin's
confirmPayment (PAYMENT_CONFIRMED, notified once); an order no longer waiting (expired, cancelled, or paid
by hand meanwhile) gets `receive_late_payment`: recorded, and refunded.
"""

import logging
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from src.models.orders import OrderStatus
from src.services import payments
from src.services.orders.paying import record_paid
from src.services.orders.refunding import receive_late_payment
from src.services.orders.states import lock_order
from src.services.payments.gateway import GatewayPayment
from src.settings import Settings

log = logging.getLogger(__name__)


class CallbackOutcome(StrEnum):
    PAID = "PAID"  # the order is paid
    LATE = "LATE"  # recorded for an order that no longer waited for it, and refunded
    IGNORED = "IGNORED"  # changed nothing (logged)
    REFUSED = "REFUSED"  # not the gateway's (a wrong token)
    OFF = "OFF"  # the gateway is not configured


def _ignored(reason: str, **facts: Any) -> CallbackOutcome:
    log.warning("gateway callback ignored: %s", reason, extra={"gateway_callback": {"reason": reason, **facts}})
    return CallbackOutcome.IGNORED


async def receive_callback(*, body: bytes, token: str | None, settings: Settings) -> CallbackOutcome:
    """Handle one callback of the gateway; what to answer follows from the outcome."""
    provider = payments.gateway.provider_for(settings)
    if provider is None:
        return CallbackOutcome.OFF
    if not provider.verify_callback(token):
        log.warning("gateway callback refused: wrong token", extra={"gateway_callback": {"reason": "WRONG_TOKEN"}})
        return CallbackOutcome.REFUSED
    try:
        notice = provider.parse_callback(body)
    except ValueError as exc:
        return _ignored("MALFORMED", detail=str(exc))
    if notice is None:
        return _ignored("NOT_A_PAYMENT")
    facts = {"reference": notice.reference, "payment_id": notice.payment_id, "request_id": notice.request_id}
    found = await payments.gateway.payment_by_reference(notice.reference)
    if found is None:
        return _ignored("UNKNOWN_REFERENCE", **facts)
    if notice.currency != "IDR":
        return _ignored("CURRENCY", currency=notice.currency, **facts)
    try:
        return await _receive(found.order_id, notice, facts)
    except IntegrityError:  # the same gateway payment recorded on another row meanwhile
        return _ignored("REPLAYED", **facts)


async def _receive(order_id: int, notice: GatewayPayment, facts: dict[str, Any]) -> CallbackOutcome:
    gateway_payment_id = notice.payment_id
    async with in_transaction():
        order = await lock_order(order_id)
        payment = await payments.locked_payment(order.id)
        # Checked on the locked row: the request and the amount due may have just changed.
        if payment.gateway_id is None or notice.request_id != payment.gateway_id:
            return _ignored("OTHER_REQUEST", **facts)
        if Decimal(notice.amount) != payment.amount_due:
            return _ignored("AMOUNT", amount=notice.amount, amount_due=payment.amount_due, **facts)
        if payment.gateway_payment_id is not None:
            replay = payment.gateway_payment_id == gateway_payment_id
            return _ignored("REPLAYED" if replay else "SECOND_PAYMENT", **facts)
        if await payments.gateway_payment_known(gateway_payment_id):
            return _ignored("REPLAYED", **facts)
        if order.status == OrderStatus.AWAITING_PAYMENT:
            await record_paid(order, payment, None, amount=payment.amount_due, gateway_payment_id=gateway_payment_id)
            return CallbackOutcome.PAID
        await receive_late_payment(order_id=order.id, amount=payment.amount_due, gateway_payment_id=gateway_payment_id)
        return CallbackOutcome.LATE

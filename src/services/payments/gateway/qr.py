"""A QRIS order's QR at the gateway: asked for after the commit (an outbox event whose job calls the gateway),
never inside placeOrder's transaction.

Until the gateway answers, and for good when it does not answer in time or refuses, the order shows the
market's own dynamic QRIS (the fallback; `dues`). Once the gateway's QR exists it is `qris.payload`. When the
amount due changes before payment the gateway's QR follows: the old request is dropped (the market's QRIS for
the new amount shows meanwhile) and a new request is made for the new amount, under the same reference of
ours (`Payment.gateway_reference`, the order number); a callback for the dropped request no longer matches
the payment (its request id and amount differ) and is ignored, logged.
"""

from typing import Any

from tortoise.transactions import in_transaction

from src.models.payments import Payment, PaymentState
from src.services.common import outbox
from src.services.payments.gateway.provider import PaymentProvider

QR_REQUESTED = "payment.gateway_qr_requested"


async def ask_for_qr(payment: Payment) -> None:
    """In the caller's transaction: the event whose job asks the gateway for the payment's QR."""
    payload: dict[str, Any] = {"payment_id": payment.id, "order_id": payment.order_id, "amount": payment.amount_due}
    outbox.note(await outbox.write(QR_REQUESTED, payload))  # handed over right after the commit


def wants_gateway_qr(payment: Payment) -> bool:
    """An open payment meant for the gateway that has no gateway QR for its amount yet."""
    return payment.gateway is not None and payment.gateway_id is None and payment.state == PaymentState.PENDING


async def payment_by_reference(reference: str) -> Payment | None:
    return await Payment.get_or_none(gateway_reference=reference)


async def request_qr(*, payment_id: int, provider: PaymentProvider) -> str:
    """Ask the gateway for the payment's QR, for exactly what is due now; "GATEWAY" once the order shows it,
    "SKIPPED" when nothing is (or is any longer) wanted. Raises GatewayError (the caller falls back)."""
    payment = await Payment.get_or_none(id=payment_id)
    if payment is None or payment.gateway_reference is None or not wants_gateway_qr(payment):
        return "SKIPPED"
    amount = payment.amount_due
    qr = await provider.create_qr(
        reference=payment.gateway_reference, amount=amount, idempotency_key=f"{payment.gateway_reference}-{amount}"
    )
    async with in_transaction():
        payment = await Payment.select_for_update().get(id=payment_id)
        # Paid, voided, fallen back, or another amount meanwhile (its own request follows): not this QR.
        if not wants_gateway_qr(payment) or payment.amount_due != amount:
            return "SKIPPED"
        payment.gateway_id = qr.request_id
        payment.qris_payload = qr.qr_string
        payment.qris_image_key = None  # drawn for the gateway's QR when first asked for
        await payment.save(update_fields=["gateway_id", "qris_payload", "qris_image_key", "updated_at"])
    return "GATEWAY"


async def fall_back(*, payment_id: int) -> bool:
    """The gateway did not make the QR: the payment stays with the market's own dynamic QRIS (paid the manual
    way, confirmed by the admin). False when it already has the gateway's QR."""
    async with in_transaction():
        payment = await Payment.select_for_update().get_or_none(id=payment_id)
        if payment is None or not wants_gateway_qr(payment):
            return False
        payment.gateway = None  # type: ignore[assignment]  # a nullable enum field
        await payment.save(update_fields=["gateway", "updated_at"])
    return True


async def has_fallback(*, payment_id: int) -> bool:
    """Whether the payment shows a QR of its own (the market's dynamic QRIS) without the gateway's."""
    return await Payment.exists(id=payment_id, qris_payload__isnull=False)

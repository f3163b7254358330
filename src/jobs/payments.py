"""Payment gateway jobs: a QRIS order's QR made at the gateway (or the fallback kept), and a gateway refund paid.

Both are follow-ups of outbox events (`payment.gateway_qr_requested`, `refund.created` with method GATEWAY),
so they run after the commit of what caused them, and both end their record in a final state whatever they
raise: the payment shows the gateway's QR or keeps the market's own; the refund is PAID, or FAILED and
replaced by a MANUAL one.
"""

import logging
from typing import Any

from arq import Retry

from src.jobs.final import ends_in_final_state
from src.jobs.notifications import backoff
from src.services import payments
from src.services.payments.gateway import GatewayError

log = logging.getLogger(__name__)

QR_MAX_TRIES = 6  # about 30 s: only a payment without a QR of its own waits; others fall back at once
REFUND_MAX_TRIES = 10  # about 8½ minutes of tries (a refund the gateway is still working on is asked again)


async def _keep_fallback(ctx: dict[str, Any], payment_id: int, fault: BaseException) -> None:
    await payments.gateway.fall_back(payment_id=payment_id)


@ends_in_final_state(_keep_fallback, max_tries=QR_MAX_TRIES)
async def request_gateway_qr(ctx: dict[str, Any], payment_id: int) -> str:
    """The gateway's QR for the payment, within `XENDIT_TIMEOUT_SECONDS`; otherwise the market's own QRIS stays."""
    provider = payments.gateway.provider_for(ctx["settings"])
    if provider is None:
        await payments.gateway.fall_back(payment_id=payment_id)
        return "FALLBACK"
    try:
        return await payments.gateway.request_qr(payment_id=payment_id, provider=provider)
    except GatewayError as exc:
        log.warning("payment %s: gateway QR not made (%s)", payment_id, exc)
        if exc.transient and not await payments.gateway.has_fallback(payment_id=payment_id):
            raise Retry(defer=backoff(int(ctx.get("job_try", 1)))) from exc
        await payments.gateway.fall_back(payment_id=payment_id)
        return "FALLBACK"


async def _fail_refund(ctx: dict[str, Any], refund_id: int, fault: BaseException) -> None:
    reason = "GATEWAY_UNAVAILABLE" if isinstance(fault, GatewayError) else "GATEWAY_NO_ANSWER"
    await payments.gateway.fail_refund(refund_id=refund_id, failure=f"{reason}: {fault}")


@ends_in_final_state(_fail_refund, max_tries=REFUND_MAX_TRIES)
async def pay_gateway_refund(ctx: dict[str, Any], refund_id: int) -> str | None:
    """Pay a gateway refund back through the gateway (keyed by the refund's id there: never twice)."""
    provider = payments.gateway.provider_for(ctx["settings"])
    if provider is None:
        status = await payments.gateway.fail_refund(refund_id=refund_id, failure="GATEWAY_NOT_CONFIGURED")
        return status.value if status else None
    try:
        status = await payments.gateway.pay_refund(refund_id=refund_id, provider=provider)
    except GatewayError as exc:
        raise Retry(defer=backoff(int(ctx.get("job_try", 1)))) from exc
    if status is not None and status.value == "PENDING":  # the gateway is still working on it: ask again
        still = GatewayError("the refund is still pending at the gateway", transient=True)
        raise Retry(defer=backoff(int(ctx.get("job_try", 1)))) from still
    return status.value if status else None

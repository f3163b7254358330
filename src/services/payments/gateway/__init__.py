"""The payment gateway, where a market has one: a `PaymentProvider` protocol, its one implementation on Xendit,
and what the payments domain does with it (a QRIS order's QR made there, refunds paid back through it).

A gateway is on when it is configured (`XENDIT_API_KEY` and `XENDIT_CALLBACK_TOKEN`) and a market's payment
settings name it (`setMarketPaymentSettings(gateway: XENDIT)`, refused while it is not configured): both a
global setting and a per-market switch. Everything else works without it.

- `provider`: the protocol and what a gateway answers; `xendit`: Xendit through its SDK.
- `qr`: a QRIS order's QR at the gateway (after the commit, in a job), the fallback to the market's own QRIS.
- `refunds`: a GATEWAY refund paid through the gateway, or FAILED and replaced by a MANUAL one.
"""

from src.services.payments.gateway.provider import (
    GatewayError,
    GatewayPayment,
    GatewayQr,
    GatewayRefund,
    PaymentProvider,
    RefundState,
)
from src.services.payments.gateway.qr import (
    QR_REQUESTED,
    ask_for_qr,
    fall_back,
    has_fallback,
    payment_by_reference,
    request_qr,
    wants_gateway_qr,
)
from src.services.payments.gateway.refunds import fail_refund, pay_refund
from src.services.payments.gateway.setup import configured, provider_for

__all__ = [
    "QR_REQUESTED",
    "GatewayError",
    "GatewayPayment",
    "GatewayQr",
    "GatewayRefund",
    "PaymentProvider",
    "RefundState",
    "ask_for_qr",
    "configured",
    "fail_refund",
    "fall_back",
    "has_fallback",
    "pay_refund",
    "payment_by_reference",
    "provider_for",
    "request_qr",
    "wants_gateway_qr",
]

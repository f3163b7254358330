"""The payment gateway on Xendit's documented API, through its official SDK (xendit-python, synchronous: each
call runs in a thread, with the `XENDIT_TIMEOUT_SECONDS` limit and no retries of its own).

- A QRIS payment request: `POST /payment_requests` with a one-time `QR_CODE` payment method on channel `QRIS`
  for exactly the amount, our reference as `reference_id`; its `qr_string` is what the buyer scans.
- Callbacks (`payment.succeeded`) carry the account's verification token in `x-callback-token`.
- Refunds: `POST /refunds` for the payment request, `GET /refunds/{id}` for one that is still pending.
Every create carries an `idempotency-key`, so a call repeated after a lost answer makes nothing new.
"""

import asyncio
import hmac
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
import urllib3
import xendit
from xendit.apis import PaymentRequestApi, RefundApi
from xendit.payment_request.model.payment_method_parameters import PaymentMethodParameters
from xendit.payment_request.model.payment_method_reusability import PaymentMethodReusability
from xendit.payment_request.model.payment_method_type import PaymentMethodType
from xendit.payment_request.model.payment_request_country import PaymentRequestCountry
from xendit.payment_request.model.payment_request_currency import PaymentRequestCurrency
from xendit.payment_request.model.payment_request_parameters import PaymentRequestParameters
from xendit.payment_request.model.qr_code_channel_code import QRCodeChannelCode
from xendit.payment_request.model.qr_code_parameters import QRCodeParameters
from xendit.refund.model.create_refund import CreateRefund

from src.models.payments import Gateway
from src.services.payments.gateway.provider import GatewayError, GatewayPayment, GatewayQr, GatewayRefund, RefundState

PAID_EVENTS = {"payment.succeeded"}
REFUND_STATES = {"SUCCEEDED": RefundState.SUCCEEDED, "FAILED": RefundState.FAILED}


class XenditProvider:
    """`PaymentProvider` on Xendit (one per worker or API process; the SDK's client is thread-safe)."""

    gateway = Gateway.XENDIT

    def __init__(self, *, api_key: str, callback_token: str, base_url: str, timeout: float) -> None:
        configuration = xendit.Configuration(host=base_url.rstrip("/"), api_key=api_key)
        configuration.retries = urllib3.Retry(total=0, redirect=0)  # the jobs retry, with backoff
        client = xendit.ApiClient(configuration)
        self._payment_requests = PaymentRequestApi(client)
        self._refunds = RefundApi(client)
        self._callback_token = callback_token.encode()
        self._timeout = timeout

    async def _call(self, call: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(call, _request_timeout=self._timeout, **kwargs), timeout=self._timeout + 1
            )
        except xendit.XenditSdkException as exc:
            status = str(exc.status)
            transient = not status.isdigit() or int(status) >= 500 or int(status) in (0, 408, 409, 429)
            raise GatewayError(
                f"xendit {status} {exc.errorCode}: {exc.errorMessage}"[:200], transient=transient
            ) from exc
        except (TimeoutError, urllib3.exceptions.HTTPError, OSError) as exc:
            raise GatewayError(f"xendit did not answer: {type(exc).__name__}"[:200], transient=True) from exc
        except xendit.OpenApiException as exc:  # an answer that is not what the API documents
            raise GatewayError(f"xendit answered unexpectedly: {exc}"[:200], transient=True) from exc

    async def create_qr(self, *, reference: str, amount: int, idempotency_key: str) -> GatewayQr:
        parameters = PaymentRequestParameters(
            currency=PaymentRequestCurrency("IDR"),
            country=PaymentRequestCountry("ID"),
            reference_id=reference,
            amount=float(amount),
            payment_method=PaymentMethodParameters(
                type=PaymentMethodType("QR_CODE"),
                reusability=PaymentMethodReusability("ONE_TIME_USE"),
                qr_code=QRCodeParameters(channel_code=QRCodeChannelCode("QRIS")),
            ),
        )
        answer = await self._call(
            self._payment_requests.create_payment_request,
            idempotency_key=idempotency_key,
            payment_request_parameters=parameters,
        )
        try:
            qr_string = str(answer.payment_method.qr_code.channel_properties.qr_string)
            request_id = str(answer.id)
        except (AttributeError, KeyError, xendit.ApiAttributeError) as exc:
            raise GatewayError("xendit answered without a QR string", transient=True) from exc
        if answer.amount is not None and Decimal(str(answer.amount)) != amount:
            raise GatewayError("xendit made the QR for another amount", transient=False)
        return GatewayQr(request_id=request_id, qr_string=qr_string)

    @staticmethod
    def _refund_of(answer: Any) -> GatewayRefund:
        status = str(answer.get("status") or "PENDING")
        failure = answer.get("failure_code")
        return GatewayRefund(
            refund_id=str(answer.id),
            state=REFUND_STATES.get(status, RefundState.PENDING),
            failure=failure and str(failure),
        )

    async def refund(self, *, request_id: str, amount: int, reference: str, idempotency_key: str) -> GatewayRefund:
        body = CreateRefund(
            payment_request_id=request_id,
            reference_id=reference,
            amount=float(amount),
            currency="IDR",
            reason="REQUESTED_BY_CUSTOMER",
        )
        answer = await self._call(self._refunds.create_refund, idempotency_key=idempotency_key, create_refund=body)
        return self._refund_of(answer)

    async def refund_status(self, refund_id: str) -> GatewayRefund:
        return self._refund_of(await self._call(self._refunds.get_refund, refund_id=refund_id))

    def verify_callback(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token.encode(), self._callback_token)

    def parse_callback(self, body: bytes) -> GatewayPayment | None:
        try:
            notice = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise ValueError("not JSON") from exc
        if not isinstance(notice, dict) or not isinstance(notice.get("data"), dict):
            raise ValueError("no data")
        data = notice["data"]
        if notice.get("event") not in PAID_EVENTS or data.get("status") != "SUCCEEDED":
            return None
        texts = {k: data.get(k) for k in ("reference_id", "payment_request_id", "id", "currency")}
        if not all(isinstance(v, str) and 0 < len(v) <= 100 for v in texts.values()):
            raise ValueError("reference, ids or currency missing")
        amount = data.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int | float | str):
            raise ValueError("no amount")
        try:
            exact = Decimal(str(amount))
        except InvalidOperation as exc:
            raise ValueError("amount is not a number") from exc
        if not exact.is_finite() or abs(exact) > 10**12:
            raise ValueError("amount out of range")
        return GatewayPayment(
            reference=texts["reference_id"],  # type: ignore[arg-type]
            request_id=texts["payment_request_id"],  # type: ignore[arg-type]
            payment_id=texts["id"],  # type: ignore[arg-type]
            amount=str(exact),
            currency=texts["currency"],  # type: ignore[arg-type]
        )

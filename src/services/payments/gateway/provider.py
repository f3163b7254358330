"""What the service asks of a payment gateway (`PaymentProvider`), and what it answers, whichever gateway it is.

A gateway makes a dynamic QR for exactly an amount under our reference, tells us (a callback) that money came
for it, and pays money back. Every call is keyed (an idempotency key of ours), so a retried job never makes
a second QR or a second refund.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from src.models.payments import Gateway


class GatewayError(Exception):
    """The gateway refused or did not answer. `transient`: it may work if tried again (a timeout, a 5xx,
    no connection); otherwise it never will (a 4xx)."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class GatewayQr:
    """A payment request made at the gateway: its id there and the QR string the buyer scans."""

    request_id: str
    qr_string: str


class RefundState(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class GatewayRefund:
    """A refund at the gateway: its id there, where it stands, and why it failed when it did."""

    refund_id: str
    state: RefundState
    failure: str | None = None


@dataclass(frozen=True)
class GatewayPayment:
    """A callback's news that money came: for our `reference`, the gateway's request and payment ids, and
    the money as the gateway tells it (the amount as a decimal text, checked before any arithmetic)."""

    reference: str
    request_id: str
    payment_id: str
    amount: str
    currency: str


class PaymentProvider(Protocol):
    """A payment gateway, as the payments and orders domains use it."""

    gateway: Gateway

    async def create_qr(self, *, reference: str, amount: int, idempotency_key: str) -> GatewayQr:
        """A dynamic QR for exactly `amount` rupiah, under our `reference`. Raises GatewayError."""
        ...

    async def refund(self, *, request_id: str, amount: int, reference: str, idempotency_key: str) -> GatewayRefund:
        """Give `amount` of the payment of request `request_id` back (the same key again: the same refund)."""
        ...

    async def refund_status(self, refund_id: str) -> GatewayRefund:
        """Where a refund made earlier stands now."""
        ...

    def verify_callback(self, token: str | None) -> bool:
        """Whether a callback's credentials are the gateway's (compared in constant time)."""
        ...

    def parse_callback(self, body: bytes) -> GatewayPayment | None:
        """The money a callback tells of; None for an event that is not money received (ignored).
        Raises ValueError for a body that is not the gateway's callback."""
        ...

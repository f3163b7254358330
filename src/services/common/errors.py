"""The error codes of the domain and the exception that carries them to the API."""

from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")


class ErrorCode(Enum):
    """Every expected failure a client can see, as returned in `UserError.code`."""

    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    INVALID_STATE = "INVALID_STATE"
    INVALID_PHONE = "INVALID_PHONE"
    PHONE_TAKEN = "PHONE_TAKEN"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_TOKEN = "INVALID_TOKEN"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    DIFFERENT_MARKET = "DIFFERENT_MARKET"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    OUT_OF_DELIVERY_AREA = "OUT_OF_DELIVERY_AREA"
    SLOT_UNAVAILABLE = "SLOT_UNAVAILABLE"
    SLOT_FULL = "SLOT_FULL"
    COD_LIMIT = "COD_LIMIT"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    # Refusals a client acts on differently from a plain INVALID_STATE (each was INVALID_STATE with this
    # message key before): an offer that ran out is gone from the courier's screen, a ninth photo needs
    # another one removed, a weight goes only on weighed items, an upload that never arrived is sent again.
    OFFER_EXPIRED = "OFFER_EXPIRED"
    TOO_MANY_PHOTOS = "TOO_MANY_PHOTOS"
    NOT_WEIGHED = "NOT_WEIGHED"
    UPLOAD_MISSING = "UPLOAD_MISSING"
    INVALID_QRIS = "INVALID_QRIS"  # a QRIS payload that is not one (its message names what is wrong)
    STALL_CLOSED = "STALL_CLOSED"  # its message names the stall's next opening in WIB (a reorder: the items left out)


class DomainError(Exception):
    """An expected failure: a code, the input field at fault (if any) and parameters for its message."""

    def __init__(
        self,
        code: ErrorCode,
        *,
        field: str | None = None,
        message_key: str | None = None,
        **params: Any,
    ) -> None:
        self.code = code
        self.field = field
        self.message_key = message_key or code.value
        self.params = params
        super().__init__(f"{code.value} ({field or '-'}): {params or ''}")


class DomainErrors(Exception):
    """Several expected failures at once, such as every invalid field of one input."""

    def __init__(self, errors: list[DomainError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class ErrorCollector:
    """Gathers every invalid field of one input, so a form shows all its mistakes at once."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def run(self, check: Callable[[], T]) -> T | None:
        """The check's result, or None after recording the DomainError it raised."""
        try:
            return check()
        except DomainError as exc:
            self.errors.append(exc)
            return None

    def add(self, error: DomainError) -> None:
        self.errors.append(error)

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise DomainErrors(self.errors)


def invalid(field: str, message_key: str | None = None, **params: Any) -> DomainError:
    """An INVALID_INPUT error for one field, with a more specific message when given."""
    return DomainError(ErrorCode.INVALID_INPUT, field=field, message_key=message_key, **params)

"""The error codes of the domain and the exception that carries them to the API."""

from enum import Enum
from typing import Any


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

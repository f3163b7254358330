"""The UserError payload convention: expected failures travel inside mutation payloads, never as GraphQL errors."""

import strawberry

from src.services.errors import DomainError, DomainErrors, ErrorCode
from src.services.i18n import translate

ErrorCodeEnum = strawberry.enum(ErrorCode, name="ErrorCode", description="Why an operation was refused.")


@strawberry.type(description="An expected failure: which input field, a stable code and a message for people.")
class UserError:
    field: str | None = strawberry.field(description="Path of the input field at fault, e.g. `input.phone`.")
    code: ErrorCode
    message: str


def user_errors(exc: DomainError | DomainErrors, language: str) -> list[UserError]:
    """Translate one or several DomainErrors into UserErrors in the caller's language."""
    errors = exc.errors if isinstance(exc, DomainErrors) else [exc]
    return [
        UserError(
            field=f"input.{e.field}" if e.field else None,
            code=e.code,
            message=translate(e.message_key, language, **e.params),
        )
        for e in errors
    ]

"""The UserError payload convention: expected failures travel inside mutation payloads, never as GraphQL errors."""

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

import strawberry
from graphql import GraphQLError

from src.services.errors import DomainError, DomainErrors, ErrorCode
from src.services.i18n import translate

if TYPE_CHECKING:
    from src.schema.context import Info

ErrorCodeEnum = strawberry.enum(ErrorCode, name="ErrorCode", description="Why an operation was refused.")


@strawberry.type(description="An expected failure: which input field, a stable code and a message for people.")
class UserError:
    field: str | None = strawberry.field(description="Path of the input field at fault, e.g. `input.phone`.")
    code: ErrorCode
    message: str


def user_errors(exc: DomainError | DomainErrors, language: str, *, prefix: str = "input.") -> list[UserError]:
    """Translate one or several DomainErrors into UserErrors in the caller's language. A mutation's fields
    are inside its `input` argument; a query's errors name the argument itself (`prefix=""`)."""
    errors = exc.errors if isinstance(exc, DomainErrors) else [exc]
    return [
        UserError(
            field=f"{prefix}{e.field}" if e.field else None,
            code=e.code,
            message=translate(e.message_key, language, **e.params),
        )
        for e in errors
    ]


P = TypeVar("P")


async def mutation_payload(info: "Info", payload: type[P], work: Awaitable[dict[str, Any]]) -> P:
    """Run a mutation's work; expected failures become the payload's `errors`, and nothing else is set."""
    try:
        return payload(**await work)
    except (DomainError, DomainErrors) as exc:
        return payload(errors=user_errors(exc, info.context.language))  # type: ignore[call-arg]


def graphql_error(exc: DomainError | DomainErrors, language: str) -> GraphQLError:
    """For queries, which have no payload: the first error as a GraphQL error with its code and the
    argument at fault (`first`, `after`, `filter.search`)."""
    first = user_errors(exc, language, prefix="")[0]
    return GraphQLError(first.message, extensions={"code": first.code.value, "field": first.field})

"""Expected failures: a mutation answers them in its payload (`@payload_mutation`, `UserError`), a query or
subscription as a GraphQL error with a code (`query_errors`)."""

import functools
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

import strawberry
from graphql import GraphQLError

from src.services.common import outbox
from src.services.common.errors import DomainError, DomainErrors, ErrorCode
from src.services.common.i18n import translate

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


def payload_mutation(*, description: str, **options: Any) -> Callable[[Callable[..., Awaitable[Any]]], Any]:
    """`strawberry.mutation` for a mutation that answers in its payload: the resolver returns the payload
    when it succeeds; a DomainError (or DomainErrors) it raises becomes the payload's `errors`, in the
    caller's language, and nothing else is set. The payload class is the resolver's return annotation."""

    def decorate(resolver: Callable[..., Awaitable[Any]]) -> Any:
        payload = resolver.__annotations__["return"]

        @functools.wraps(resolver)
        async def run(*args: Any, **kwargs: Any) -> Any:
            since = outbox.mark()
            try:
                return await resolver(*args, **kwargs)
            except (DomainError, DomainErrors) as exc:
                outbox.forget_since(since)  # refused and rolled back: nothing to hand over after the request
                info: Info = kwargs["info"]  # Strawberry passes `info` by its name
                return payload(errors=user_errors(exc, info.context.language))
            except BaseException:
                outbox.forget_since(since)
                raise

        return strawberry.mutation(description=description, **options)(run)

    return decorate


class query_errors:  # a context manager, named as contextlib's are
    """`with query_errors(info):` around a query's or subscription's work, which has no payload to answer in:
    a DomainError it raises (or the first of DomainErrors) becomes a GraphQL error with its code, in the
    caller's language, and the argument at fault (`first`, `after`, `filter.search`)."""

    def __init__(self, info: Any) -> None:
        self.info = info

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if isinstance(exc, DomainError | DomainErrors):
            first = user_errors(exc, getattr(self.info.context, "language", None) or "id", prefix="")[0]
            raise GraphQLError(first.message, extensions={"code": first.code.value, "field": first.field}) from exc

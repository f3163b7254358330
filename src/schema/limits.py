"""Refusals of a document over the limits (depth, aliases, tokens, errors), with a code and in the caller's language."""

import re
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from src.services.common.i18n import translate

# graphql-core and Strawberry's limiters word their refusals in English without a code. The wording is
# theirs (tests/hardening/test_limits.py notices when it changes): each pattern gives a code, a message
# key and the limit for the message.
_LIMITS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"exceeds maximum operation depth of (?P<max>\d+)$"), "QUERY_TOO_DEEP", "QUERY_TOO_DEEP"),
    (re.compile(r"^\d+ aliases found\. Allowed: (?P<max>\d+)$"), "TOO_MANY_ALIASES", "TOO_MANY_ALIASES"),
    (
        re.compile(r"Document contains more than (?P<max>\d+) tokens\. Parsing aborted\.$"),
        "QUERY_TOO_LARGE",
        "QUERY_TOO_LARGE",
    ),
    (re.compile(r"error limit reached\. Validation aborted\.$"), "QUERY_TOO_LARGE", "TOO_MANY_VALIDATION_ERRORS"),
]


def coded_limit_error(error: GraphQLError, language: str) -> GraphQLError | None:
    """The same error with a code and a translated message, when it is a limit's refusal."""
    if error.extensions and "code" in error.extensions:
        return None
    for pattern, code, key in _LIMITS:
        found = pattern.search(error.message)
        if found:
            message = translate(key, language, **found.groupdict())
            extensions = {**(error.extensions or {}), "code": code}
            return GraphQLError(
                message, error.nodes, error.source, error.positions, error.path, error.original_error, extensions
            )
    return None


class LimitErrors(SchemaExtension):
    """Answers the limits' refusals with QUERY_TOO_DEEP, TOO_MANY_ALIASES or QUERY_TOO_LARGE.

    The errors are replaced, never changed in place: the validation cache hands the same error objects
    to every request of that document, whatever its language."""

    def on_operation(self) -> Iterator[None]:
        language = str(getattr(self.execution_context.context, "language", None) or "id")
        try:
            yield
        except GraphQLError as error:  # the token limit: ParserCache raises it out of the operation
            coded = coded_limit_error(error, language)
            if coded is None:
                raise
            raise coded from error
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [coded_limit_error(error, language) or error for error in result.errors]

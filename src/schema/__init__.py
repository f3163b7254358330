"""The GraphQL schema: Query, Mutation and Subscription composed from the domain modules."""

import logging
import re
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger
from tortoise.exceptions import DBConnectionError

from src.schema import input_rules
from src.schema.accounts import AccountsMutation, AccountsQuery
from src.schema.catalog import CatalogMutation, CatalogQuery
from src.schema.complaints import ComplaintsMutation, ComplaintsQuery
from src.schema.delivery import DeliveryMutation, DeliveryQuery, DeliverySubscription
from src.schema.fastpath import CatalogFastPath
from src.schema.habits.mutations import HabitsMutation
from src.schema.habits.queries import HabitsQuery
from src.schema.handover import HandOverWritten
from src.schema.limits import LimitErrors, coded_limit_error
from src.schema.market_day import MarketDayMutation, MarketDayQuery
from src.schema.markets import MarketsMutation, MarketsQuery
from src.schema.morning import MorningMutation, MorningQuery
from src.schema.notifications import NotificationsMutation, NotificationsQuery
from src.schema.orders import OrdersMutation, OrdersQuery
from src.schema.payments.ledger import LedgerMutation
from src.schema.payments.mutations import PaymentsMutation
from src.schema.payments.queries import PaymentsQuery
from src.schema.payments.refunds import RefundsMutation, RefundsQuery
from src.schema.photos import PhotosMutation
from src.schema.reports import ReportsMutation, ReportsQuery
from src.schema.scalars import DECIMAL_SCALAR, Money
from src.schema.substitution import SubstitutionMutation
from src.schema.system import SystemMutation, SystemQuery
from src.services.common.i18n import translate
from src.settings import Settings, get_settings

log = logging.getLogger(__name__)

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


@strawberry.type
class Query(
    SystemQuery,
    AccountsQuery,
    MarketsQuery,
    MarketDayQuery,
    CatalogQuery,
    MorningQuery,
    OrdersQuery,
    HabitsQuery,
    DeliveryQuery,
    NotificationsQuery,
    ReportsQuery,
    PaymentsQuery,
    RefundsQuery,
    ComplaintsQuery,
):
    pass


@strawberry.type
class Mutation(
    SystemMutation,
    AccountsMutation,
    MarketsMutation,
    MarketDayMutation,
    CatalogMutation,
    MorningMutation,
    PhotosMutation,
    OrdersMutation,
    HabitsMutation,
    SubstitutionMutation,
    PaymentsMutation,
    LedgerMutation,
    RefundsMutation,
    DeliveryMutation,
    NotificationsMutation,
    ReportsMutation,
    ComplaintsMutation,
):
    pass


@strawberry.type
class Subscription(DeliverySubscription):
    pass


def _should_mask(error: GraphQLError) -> bool:
    # Errors raised while parsing or validating the document name the client's mistake; keep them.
    # An outage has its own answer (OutageErrors).
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError) and not is_outage(original)


def is_outage(exc: BaseException | None) -> bool:
    """The database (or another service) could not be reached: the request may work again later."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OUTAGE_ERRORS) or type(exc).__name__ in OUTAGE_NAMES:
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


OUTAGE_ERRORS = (OSError, DBConnectionError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)
# asyncpg's errors for a server shutting down or starting up, wherever they are raised from.
OUTAGE_NAMES = {"AdminShutdownError", "CannotConnectNowError", "ConnectionDoesNotExistError", "CrashShutdownError"}


class OutageErrors(MaskErrors):
    """A request that failed because a service was down answers SERVICE_UNAVAILABLE, in every environment,
    with no internals; the log keeps what happened."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: is_outage(error.original_error))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        log.warning("service unavailable at %s: %r", error.path, error.original_error)
        masked = super().anonymise_error(error)
        context = self.execution_context.context
        masked.message = translate("SERVICE_UNAVAILABLE", getattr(context, "language", "id"))
        masked.extensions = {"code": "SERVICE_UNAVAILABLE"}
        return masked


class MaskWithErrorId(MaskErrors):
    """Production: an unexpected error reaches the client as "Unexpected error." with an id, and the
    log keeps the real one under that id, so a report from a trader can be found."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        error_id = uuid.uuid4().hex[:12]
        log.error("unexpected error %s at %s", error_id, error.path, exc_info=error.original_error)
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_ERROR", "errorId": error_id}
        return masked


class NoFieldSuggestions(SchemaExtension):
    """Production: validation errors without "Did you mean …?" (they would spell out the schema)."""

    def on_validate(self) -> Iterator[None]:
        yield
        errors = self.execution_context.pre_execution_errors
        for error in errors or []:
            error.message = _SUGGESTION.sub("", error.message)


_SUGGESTION = re.compile(r"\s*Did you mean .*\?$")


def is_expected(error: GraphQLError) -> bool:
    """A refusal the API meant to give (an invalid document, a limit, UNAUTHENTICATED, a page size...),
    as opposed to an exception a resolver did not expect."""
    original: BaseException | None = error.original_error
    while isinstance(original, GraphQLError) and original.original_error not in (None, original):
        original = original.original_error
    return original is None or isinstance(original, GraphQLError)


class PasarSchema(strawberry.Schema):
    """The schema with the input rules in front of every field that takes arguments, and a log that
    keeps ERROR (with the traceback) for the unexpected."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checked_fields = input_rules.install(self._schema)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            if is_expected(error):
                # Expected failures are the clients' business: a line to count them, no traceback.
                coded = coded_limit_error(error, "en") or error  # the limits get their code after this
                code = (coded.extensions or {}).get("code", "GRAPHQL_VALIDATION")
                log.info("refused %s at %s: %s", code, error.path or "document", error.message)
            else:
                StrawberryLogger.error(error, execution_context)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The executable schema with the limits and caches the settings ask for."""
    settings = settings or get_settings()
    # The limits' validation rules are built once: ValidationCache keys on the rule classes, and the
    # limiter extensions would make new classes for every request, so nothing would ever be cached.
    rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
    ]
    if not settings.introspection_enabled:
        rules.append(NoSchemaIntrospectionCustomRule)
    # Factories, not instances: Strawberry builds fresh extensions per request (the caches live at module level).
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        # Parsing and validating are the costliest steps of a small query; clients repeat the same documents.
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
    ]
    extensions.append(HandOverWritten)  # the outbox's one hand-over after a request's commit
    extensions.append(OutageErrors)
    extensions.append(LimitErrors)
    if settings.graphql_fast_path:
        extensions.append(CatalogFastPath)
    if settings.is_production:
        extensions.append(lambda: MaskWithErrorId(should_mask_error=_should_mask))
        extensions.append(NoFieldSuggestions)
    return PasarSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Money],  # shared value types, listed so clients can rely on them before every domain uses them
        extensions=extensions,
        # Our Decimal: the same strings, with @specifiedBy, and lenient parsing so that the input rules
        # (not the variable coercion) refuse a bad number, naming its field.
        config=StrawberryConfig(auto_camel_case=True, scalar_map={Decimal: DECIMAL_SCALAR}),
    )


def export_schema_sdl() -> str:
    """The schema in SDL, as written to schema.graphql."""
    return build_schema(Settings()).as_str() + "\n"

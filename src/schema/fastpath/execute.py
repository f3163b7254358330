"""Answering a plan: the catalog page loaded as the `products` resolver loads it, the generated functions run
over its rows, and the schema extension that does it before graphql-core's executor would run."""

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLSchema
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from src.schema import input_rules
from src.schema.catalog import ProductFilterInput, load_catalog_page
from src.schema.fastpath.getters import Row
from src.schema.fastpath.plan import Plan, plan_cache
from src.services.common.errors import DomainError, DomainErrors

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Edge:
    cursor: str
    row: Row


@dataclass(frozen=True)
class _Connection:
    edges: list[_Edge]
    has_next_page: bool
    has_previous_page: bool


async def answer(
    schema: GraphQLSchema, plan: Plan, variables: dict[str, Any] | None, context: Any
) -> dict[str, Any] | None:
    """The data for a plan, or None when normal execution should answer (and report errors)."""
    coerced = get_variable_values(schema, plan.operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        return None  # variable errors
    data: dict[str, Any] = {}
    try:
        arguments = [get_argument_values(s.field_def, s.node, coerced) for s in plan.argument_selections]  # type: ignore[arg-type]
        for root in plan.roots:
            if root.field_def is None:  # __typename
                data[root.key] = "Query"
                continue
            root_args = get_argument_values(root.field_def, root.node, coerced)
            if input_rules.violations(root_args, root.field_def.args):
                return None  # normal execution refuses it, naming the argument
            connection = await _products(context, root_args)
            data[root.key] = plan.functions[root.key](connection, context, arguments)
    except (DomainError, DomainErrors):
        return None  # expected errors are reported by the resolvers, in the usual shape
    except Exception:  # anything unexpected too: normal execution reports it (masked in production)
        log.exception("catalog fast path fell back to normal execution")
        return None
    return data


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


async def _products(context: Any, args: dict[str, Any]) -> _Connection:
    # graphql-core coerces the input object to a dict of GraphQL names (ids still as strings, which
    # decode_id accepts); the resolver would have received the Strawberry input with Python names.
    raw = args.get("filter")
    filter = ProductFilterInput(**{_CAMEL.sub("_", k).lower(): v for k, v in raw.items()}) if raw else None
    after = args.get("after")
    page = await load_catalog_page(context, first=args.get("first"), after=after, filter=filter, sort=args["sort"])
    edges = [
        _Edge(cursor=page.page.cursor(row), row=Row(data=row, tiers=tiers, photos=photos))
        for row, tiers, photos in zip(page.page.rows, page.tiers, page.photos, strict=True)
    ]
    return _Connection(edges=edges, has_next_page=page.page.has_next_page, has_previous_page=after is not None)


class CatalogFastPath(SchemaExtension):
    """The fast path's entry point. As a schema extension it answers supported catalog queries before
    graphql-core's executor would run; `answer_validated` lets the HTTP view answer a document this
    extension has already answered once without Strawberry parsing and validating it again."""

    @staticmethod
    async def answer_validated(
        schema: GraphQLSchema, query: str, operation_name: str | None, variables: dict[str, Any] | None, context: Any
    ) -> dict[str, Any] | None:
        """The data for a document Strawberry once validated and this path answered (the same text is the
        same document), or None: then the request goes the regular way."""
        plan = plan_cache(schema).validated_plan(query, operation_name)
        return await answer(schema, plan, variables, context) if plan is not None else None

    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        ctx = self.execution_context
        if ctx.result is None and ctx.graphql_document is not None and not ctx.pre_execution_errors:
            schema = ctx.schema._schema
            cache = plan_cache(schema)
            plan = cache.get(schema, ctx.query or "", ctx.operation_name, ctx.graphql_document)
            if plan is not None:
                data = await answer(schema, plan, ctx.variables, ctx.context)
                if data is not None:
                    ctx.result = ExecutionResult(data=data, errors=None)
                    cache.mark_validated(ctx.query or "", ctx.operation_name)
        yield

"""A fast path for the catalog: `products` queries answered straight from rows, past per-field resolvers.

Buyers' apps ask for the same catalog page all morning; through graphql-core's executor each of its
~1,300 fields costs a resolver call, an Info object and a completion step, which made the GraphQL
catalog several times slower than the SQL behind it. This extension, after Strawberry has parsed and
validated the document (limits and caches included), answers operations whose fields it knows by
walking the selection set over the page's rows with a table of getters: the same data, the same JSON.

Anything it does not know (another root field, a directive, a field needing the viewer, an argument
error) falls back to normal execution, so the schema stays the only contract. Tests run every
supported shape both ways and compare the results.
"""

import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.relay.utils import to_base64
from strawberry.types import ExecutionResult

from src.models.catalog import ProductStatus
from src.schema.scalars import CURRENCY, decimal_value
from src.services.errors import DomainError, DomainErrors

# Getter: (value, coerced arguments, context) -> the field's value (a leaf already serialised, or a child value).
Getter = Callable[[Any, dict[str, Any], Any], Any]


class Unsupported(Exception):
    """This document (or this request) is not for the fast path; execute it normally."""


@dataclass
class Selection:
    key: str  # the response key: the alias or the field name
    name: str
    node: FieldNode
    field_def: GraphQLField | None  # None for __typename
    children: list["Selection"] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    """A product row with its page, tiers and photos: what every getter below the edge reads."""

    data: dict[str, Any]
    tiers: list[dict[str, Any]]
    photos: list[dict[str, Any]]


def _money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": CURRENCY}


def _decimal(value: Any) -> str:
    return str(decimal_value(value))


def _photo_url(photo: dict[str, Any], args: dict[str, Any], context: Any) -> str | None:
    key = (photo["variants"] or {}).get(f"{args['size'].value}.{args['format'].value}")
    return context.storage.public_url(key) if key else None


# For each GraphQL type: field -> (getter, the child type name or None for a leaf). `__typename` is general.
TYPES: dict[str, dict[str, tuple[Getter, str | None]]] = {
    "ProductConnection": {
        "edges": (lambda c, a, x: c.edges, "ProductEdge"),
        "pageInfo": (lambda c, a, x: c, "PageInfo"),
    },
    "PageInfo": {
        "hasNextPage": (lambda c, a, x: c.has_next_page, None),
        "hasPreviousPage": (lambda c, a, x: c.has_previous_page, None),
        "startCursor": (lambda c, a, x: c.edges[0].cursor if c.edges else None, None),
        "endCursor": (lambda c, a, x: c.edges[-1].cursor if c.edges else None, None),
    },
    "ProductEdge": {
        "cursor": (lambda e, a, x: e.cursor, None),
        "node": (lambda e, a, x: e.row, "Product"),
    },
    "Product": {
        "id": (lambda r, a, x: to_base64("Product", r.data["id"]), None),
        "name": (lambda r, a, x: r.data["name"], None),
        "description": (lambda r, a, x: r.data["description"], None),
        "unit": (lambda r, a, x: r.data["unit"], None),
        "price": (lambda r, a, x: r.data["price"], "Money"),
        "minQuantity": (lambda r, a, x: _decimal(r.data["min_quantity"]), None),
        "quantityStep": (lambda r, a, x: _decimal(r.data["quantity_step"]), None),
        "stock": (lambda r, a, x: _decimal(r.data["stock"]), None),
        "isWeighed": (lambda r, a, x: bool(r.data["is_weighed"]), None),
        "isArchived": (lambda r, a, x: r.data["status"] == ProductStatus.ARCHIVED.value, None),
        "category": (lambda r, a, x: r.data, "Category"),
        "stall": (lambda r, a, x: r.data, "Stall"),
        "priceTiers": (lambda r, a, x: r.tiers, "PriceTier"),
        "photos": (lambda r, a, x: r.photos, "ProductPhoto"),
    },
    "Money": {
        "amount": (lambda m, a, x: m, None),
        "currency": (lambda m, a, x: CURRENCY, None),
    },
    "Category": {
        "id": (lambda d, a, x: to_base64("Category", d["category_id"]), None),
        "name": (lambda d, a, x: d["category_name"], None),
        "slug": (lambda d, a, x: d["category_slug"], None),
    },
    "Stall": {
        "id": (lambda d, a, x: to_base64("Stall", d["stall_id"]), None),
        "name": (lambda d, a, x: d["stall_name"], None),
        "stallNumber": (lambda d, a, x: d["stall_number"], None),
        "description": (lambda d, a, x: d["stall_description"], None),
        "status": (lambda d, a, x: d["stall_status"], None),
        "isOpen": (lambda d, a, x: bool(d["stall_is_open"]), None),
        "market": (lambda d, a, x: d, "Market"),
    },
    "Market": {
        "id": (lambda d, a, x: to_base64("Market", d["market_id"]), None),
        "name": (lambda d, a, x: d["market_name"], None),
        "address": (lambda d, a, x: d["market_address"], None),
        "location": (lambda d, a, x: d, "Location"),
        "openingHours": (lambda d, a, x: d["market_opening_hours"], None),
        "deliveryRadiusKm": (lambda d, a, x: _decimal(d["market_delivery_radius_km"]), None),
        "baseDeliveryFee": (lambda d, a, x: d["market_base_delivery_fee"], "Money"),
        "perKmFee": (lambda d, a, x: d["market_per_km_fee"], "Money"),
    },
    "Location": {
        "lat": (lambda d, a, x: float(d["market_latitude"]), None),
        "lng": (lambda d, a, x: float(d["market_longitude"]), None),
    },
    "PriceTier": {
        "minQuantity": (lambda t, a, x: _decimal(t["min_quantity"]), None),
        "price": (lambda t, a, x: t["price"], "Money"),
    },
    "ProductPhoto": {
        "id": (lambda p, a, x: to_base64("ProductPhoto", p["id"]), None),
        "status": (lambda p, a, x: p["status"], None),
        "width": (lambda p, a, x: p["width"], None),
        "height": (lambda p, a, x: p["height"], None),
        "url": (_photo_url, None),
    },
}
# Root fields the fast path answers, with the type of their result.
ROOTS = {"products": "ProductConnection"}


@dataclass(frozen=True)
class _Edge:
    cursor: str
    row: Row


@dataclass(frozen=True)
class _Connection:
    edges: list[_Edge]
    has_next_page: bool
    has_previous_page: bool


@dataclass(frozen=True)
class Plan:
    operation: OperationDefinitionNode
    roots: list[Selection]


def _collect(
    schema: GraphQLSchema,
    selection_set: SelectionSetNode | None,
    type_name: str,
    fragments: dict[str, FragmentDefinitionNode],
    into: "OrderedDict[str, Selection]",
) -> None:
    """Flatten fields, fragment spreads and inline fragments of one type into merged selections."""
    if selection_set is None:
        return
    for node in selection_set.selections:
        if node.directives:
            raise Unsupported("directives")
        if isinstance(node, FieldNode):
            key = node.alias.value if node.alias else node.name.value
            name = node.name.value
            if name != "__typename" and name not in TYPES[type_name]:
                raise Unsupported(f"{type_name}.{name}")
            selection = into.get(key)
            if selection is None:
                field_def = None if name == "__typename" else _field(schema, type_name, name)
                selection = into[key] = Selection(key=key, name=name, node=node, field_def=field_def)
            elif selection.node.arguments != node.arguments:
                raise Unsupported("same key, other arguments")
            child_type = TYPES[type_name][name][1] if name != "__typename" else None
            if child_type is not None:
                children: OrderedDict[str, Selection] = OrderedDict((c.key, c) for c in selection.children)
                _collect(schema, node.selection_set, child_type, fragments, children)
                selection.children = list(children.values())
        else:
            fragment: FragmentDefinitionNode | InlineFragmentNode
            if isinstance(node, FragmentSpreadNode):
                if node.name.value not in fragments:
                    raise Unsupported("unknown fragment")
                fragment = fragments[node.name.value]
            elif isinstance(node, InlineFragmentNode):
                fragment = node
            else:
                raise Unsupported("selection kind")
            condition = fragment.type_condition.name.value if fragment.type_condition else type_name
            if condition != type_name:
                raise Unsupported("fragment on another type")
            _collect(schema, fragment.selection_set, type_name, fragments, into)


def _field(schema: GraphQLSchema, type_name: str, name: str) -> GraphQLField:
    graphql_type = schema.get_type(type_name)
    if not isinstance(graphql_type, GraphQLObjectType) or name not in graphql_type.fields:
        raise Unsupported(f"{type_name}.{name} is not in the schema")
    return graphql_type.fields[name]


def compile_plan(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> Plan:
    """The selections to answer, or Unsupported."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY or operations[0].directives:
        raise Unsupported("operation")
    operation = operations[0]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    roots: OrderedDict[str, Selection] = OrderedDict()
    for node in operation.selection_set.selections:
        if not isinstance(node, FieldNode) or node.directives:
            raise Unsupported("root")
        key = node.alias.value if node.alias else node.name.value
        if key in roots:
            raise Unsupported("repeated root")
        if node.name.value == "__typename":
            roots[key] = Selection(key=key, name="__typename", node=node, field_def=None)
            continue
        if node.name.value not in ROOTS:
            raise Unsupported("root")
        children: OrderedDict[str, Selection] = OrderedDict()
        _collect(schema, node.selection_set, ROOTS[node.name.value], fragments, children)
        field_def = _field(schema, "Query", node.name.value)
        roots[key] = Selection(
            key=key, name=node.name.value, node=node, field_def=field_def, children=list(children.values())
        )
    return Plan(operation=operation, roots=list(roots.values()))


class _PlanCache:
    """Compiled plans by document text and operation name (None when the document is not supported)."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self.plans: OrderedDict[tuple[str, str | None], Plan | None] = OrderedDict()

    def get(self, schema: GraphQLSchema, query: str, operation_name: str | None, document: DocumentNode) -> Plan | None:
        key = (query, operation_name)
        if key in self.plans:
            self.plans.move_to_end(key)
            return self.plans[key]
        try:
            plan: Plan | None = compile_plan(schema, document, operation_name)
        except Unsupported:
            plan = None
        self.plans[key] = plan
        if len(self.plans) > self.maxsize:
            self.plans.popitem(last=False)
        return plan


_plans = _PlanCache()


def _resolve(
    value: Any, type_name: str, selections: list[Selection], variables: VariableValues, context: Any
) -> dict[str, Any]:
    table = TYPES[type_name]
    out: dict[str, Any] = {}
    for selection in selections:
        if selection.name == "__typename":
            out[selection.key] = type_name
            continue
        getter, child_type = table[selection.name]
        field_def = selection.field_def
        # Only `url` takes arguments among these fields; the others skip coercion altogether.
        args = get_argument_values(field_def, selection.node, variables) if field_def and field_def.args else {}
        result = getter(value, args, context)
        if child_type is None or result is None:
            out[selection.key] = result
        elif isinstance(result, list):
            out[selection.key] = [_resolve(item, child_type, selection.children, variables, context) for item in result]
        else:
            out[selection.key] = _resolve(result, child_type, selection.children, variables, context)
    return out


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


async def _products(context: Any, args: dict[str, Any]) -> _Connection:
    from src.schema.catalog import ProductFilterInput, load_catalog_page

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
    """Answers supported catalog queries before graphql-core's executor would run."""

    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        ctx = self.execution_context
        if ctx.result is None and ctx.graphql_document is not None and not ctx.pre_execution_errors:
            plan = _plans.get(ctx.schema._schema, ctx.query or "", ctx.operation_name, ctx.graphql_document)
            if plan is not None:
                data = await self._answer(plan)
                if data is not None:
                    ctx.result = ExecutionResult(data=data, errors=None)
        yield

    async def _answer(self, plan: Plan) -> dict[str, Any] | None:
        ctx = self.execution_context
        schema = ctx.schema._schema
        coerced = get_variable_values(schema, plan.operation.variable_definitions or (), ctx.variables or {})
        if isinstance(coerced, list):
            return None  # variable errors: let normal execution report them
        data: dict[str, Any] = {}
        try:
            for root in plan.roots:
                if root.field_def is None:  # __typename
                    data[root.key] = "Query"
                    continue
                connection = await _products(ctx.context, get_argument_values(root.field_def, root.node, coerced))
                data[root.key] = _resolve(connection, ROOTS[root.name], root.children, coerced, ctx.context)
        except (DomainError, DomainErrors):
            return None  # expected errors are reported by the resolvers, in the usual shape
        return data

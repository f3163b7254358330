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

import logging
import re
from binascii import b2a_base64
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from weakref import WeakKeyDictionary

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
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from src.models.catalog import ProductStatus
from src.schema import input_rules
from src.schema.photos import variant_url
from src.schema.scalars import CURRENCY, decimal_value
from src.services.errors import DomainError, DomainErrors


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


def _decimal(value: Any) -> str:
    # Same text as the Decimal scalar gives for decimal_value(value); PostgreSQL's numeric(…, 3) comes as
    # a plain Decimal like 0.250, whose trailing zeros can simply be cut.
    if isinstance(value, Decimal):
        text = str(value)
        if "E" not in text:
            return text.rstrip("0").rstrip(".") if "." in text else text
    return str(decimal_value(value))


def _thumbnail(photos: list[dict[str, Any]], args: dict[str, Any], context: Any) -> str | None:
    return _photo_url(photos[0], args, context) if photos else None


def _global_id(type_name: str, node_id: int) -> str:
    # strawberry.relay.to_base64 without its type checks: this runs for every id of every page.
    return b2a_base64(f"{type_name}:{node_id}".encode(), newline=False).decode()


def _photo_url(photo: dict[str, Any], args: dict[str, Any], context: Any) -> str | None:
    return variant_url(photo["variants"] or {}, args["size"], args["format"], context.storage)


@dataclass(frozen=True)
class Getter:
    """A Python expression for a field's value: `v` is the parent value, `ctx` the context and ARGS the
    field's coerced arguments. `child` names the field's object type (None for a leaf)."""

    expression: str
    child: str | None = None
    is_list: bool = False


# For each GraphQL type, the fields the fast path answers (`__typename` is answered for every type).
TYPES: dict[str, dict[str, Getter]] = {
    "ProductConnection": {
        "edges": Getter("v.edges", "ProductEdge", is_list=True),
        "pageInfo": Getter("v", "PageInfo"),
    },
    "PageInfo": {
        "hasNextPage": Getter("v.has_next_page"),
        "hasPreviousPage": Getter("v.has_previous_page"),
        "startCursor": Getter("(v.edges[0].cursor if v.edges else None)"),
        "endCursor": Getter("(v.edges[-1].cursor if v.edges else None)"),
    },
    "ProductEdge": {
        "cursor": Getter("v.cursor"),
        "node": Getter("v.row", "Product"),
    },
    "Product": {
        "id": Getter("to_base64('Product', v.data['id'])"),
        "name": Getter("v.data['name']"),
        "description": Getter("v.data['description']"),
        "unit": Getter("v.data['unit']"),
        "price": Getter("v.data['price']", "Money"),
        "minQuantity": Getter("decimal(v.data['min_quantity'])"),
        "quantityStep": Getter("decimal(v.data['quantity_step'])"),
        "stock": Getter("decimal(v.data['stock'])"),
        "isWeighed": Getter("bool(v.data['is_weighed'])"),
        "isArchived": Getter("(v.data['status'] == ARCHIVED)"),
        "category": Getter("v.data", "Category"),
        "stall": Getter("v.data", "Stall"),
        "priceTiers": Getter("v.tiers", "PriceTier", is_list=True),
        "photos": Getter("v.photos", "ProductPhoto", is_list=True),
        "thumbnail": Getter("thumbnail(v.photos, ARGS, ctx)"),
    },
    "Money": {
        "amount": Getter("v"),
        "currency": Getter("CURRENCY"),
    },
    "Category": {
        "id": Getter("to_base64('Category', v['category_id'])"),
        "name": Getter("v['category_name']"),
        "slug": Getter("v['category_slug']"),
    },
    "Stall": {
        "id": Getter("to_base64('Stall', v['stall_id'])"),
        "name": Getter("v['stall_name']"),
        "stallNumber": Getter("v['stall_number']"),
        "description": Getter("v['stall_description']"),
        "status": Getter("v['stall_status']"),
        "isOpen": Getter("bool(v['stall_is_open'])"),
        "market": Getter("v", "Market"),
    },
    "Market": {
        "id": Getter("to_base64('Market', v['market_id'])"),
        "name": Getter("v['market_name']"),
        "address": Getter("v['market_address']"),
        "location": Getter("v", "Location"),
        "openingHours": Getter("v['market_opening_hours']"),
        "deliveryRadiusKm": Getter("decimal(v['market_delivery_radius_km'])"),
        "baseDeliveryFee": Getter("v['market_base_delivery_fee']", "Money"),
        "perKmFee": Getter("v['market_per_km_fee']", "Money"),
    },
    "Location": {
        "lat": Getter("float(v['market_latitude'])"),
        "lng": Getter("float(v['market_longitude'])"),
    },
    "PriceTier": {
        "minQuantity": Getter("decimal(v['min_quantity'])"),
        "price": Getter("v['price']", "Money"),
    },
    "ProductPhoto": {
        "id": Getter("to_base64('ProductPhoto', v['id'])"),
        "status": Getter("v['status']"),
        "width": Getter("v['width']"),
        "height": Getter("v['height']"),
        "url": Getter("photo_url(v, ARGS, ctx)"),
    },
}
log = logging.getLogger(__name__)

# The names generated code may use, and nothing else.
_NAMESPACE: dict[str, Any] = {
    "__builtins__": {"bool": bool, "float": float},
    "to_base64": _global_id,
    "decimal": _decimal,
    "photo_url": _photo_url,
    "thumbnail": _thumbnail,
    "CURRENCY": CURRENCY,
    "ARCHIVED": ProductStatus.ARCHIVED.value,
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
    # One generated function per root field (None for __typename) and the selections whose arguments
    # are coerced once per request, in the order the generated code reads them (ARGS[i]).
    functions: dict[str, Callable[[Any, Any, list[dict[str, Any]]], dict[str, Any]]]
    argument_selections: list[Selection]
    source: str


class _CodeWriter:
    """Turns selections into Python source: one function per object selection, returning its dict."""

    def __init__(self) -> None:
        self.functions: list[str] = []
        self.argument_selections: list[Selection] = []

    def emit(self, type_name: str, selections: list[Selection]) -> str:
        items = []
        for selection in selections:
            key = repr(selection.key)  # aliases are GraphQL names; repr keeps them literal all the same
            if selection.name == "__typename":
                items.append(f"{key}: {type_name!r}")
                continue
            getter = TYPES[type_name][selection.name]
            expression = getter.expression
            if "ARGS" in expression:
                self.argument_selections.append(selection)
                expression = expression.replace("ARGS", f"A[{len(self.argument_selections) - 1}]")
            if getter.child is None:
                items.append(f"{key}: {expression}")
                continue
            function = self.emit(getter.child, selection.children)
            if getter.is_list:
                items.append(f"{key}: [{function}(x, ctx, A) for x in {expression}]")
            else:
                items.append(f"{key}: (None if (o := {expression}) is None else {function}(o, ctx, A))")
        name = f"_f{len(self.functions)}"
        body = ",\n        ".join(items)
        self.functions.append(f"def {name}(v, ctx, A):\n    return {{\n        {body}\n    }}\n")
        return name


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
            child_type = TYPES[type_name][name].child if name != "__typename" else None
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
    writer = _CodeWriter()
    entry = {r.key: writer.emit(ROOTS[r.name], r.children) for r in roots.values() if r.field_def is not None}
    source = "\n".join(writer.functions)
    namespace = dict(_NAMESPACE)
    # The source is made of this module's expressions and repr()'d names from a validated document.
    exec(compile(source, "<catalog fast path>", "exec"), namespace)  # noqa: S102
    return Plan(
        operation=operation,
        roots=list(roots.values()),
        functions={key: namespace[name] for key, name in entry.items()},
        argument_selections=writer.argument_selections,
        source=source,
    )


class PlanCache:
    """Compiled plans of one schema by document text and operation name (None: not supported).

    A plan also remembers that Strawberry validated its document (limits included) once; such a
    document is the same document the next time, so the view may answer it without parsing again.
    """

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self.plans: OrderedDict[tuple[str, str | None], Plan | None] = OrderedDict()
        self.validated: set[tuple[str, str | None]] = set()

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
            evicted, _ = self.plans.popitem(last=False)
            self.validated.discard(evicted)
        return plan

    def mark_validated(self, query: str, operation_name: str | None) -> None:
        if (query, operation_name) in self.plans:
            self.validated.add((query, operation_name))

    def validated_plan(self, query: str | None, operation_name: str | None) -> Plan | None:
        key = (query or "", operation_name)
        return self.plans.get(key) if key in self.validated else None


_caches: "WeakKeyDictionary[GraphQLSchema, PlanCache]" = WeakKeyDictionary()


def plan_cache(schema: GraphQLSchema) -> PlanCache:
    cache = _caches.get(schema)
    if cache is None:
        cache = _caches[schema] = PlanCache()
    return cache


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
            schema = ctx.schema._schema
            cache = plan_cache(schema)
            plan = cache.get(schema, ctx.query or "", ctx.operation_name, ctx.graphql_document)
            if plan is not None:
                data = await answer(schema, plan, ctx.variables, ctx.context)
                if data is not None:
                    ctx.result = ExecutionResult(data=data, errors=None)
                    cache.mark_validated(ctx.query or "", ctx.operation_name)
        yield

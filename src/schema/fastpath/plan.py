"""Compiling a validated document into a plan: the selections flattened, one generated function per root field."""

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
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

from src.schema.fastpath.getters import NAMESPACE, ROOTS, TYPES


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
    namespace = dict(NAMESPACE)
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

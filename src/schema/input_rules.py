"""The rules every argument of the API obeys, checked before any resolver runs: text without control
characters, Decimals finite and bounded, IDs that are global IDs.

They are installed on the built schema, on every field (root or nested, present or future) whose
arguments can hold a string, an ID or a Decimal: the check reads the arguments as graphql-core coerced
them, before Strawberry turns them into input objects (where a malformed global ID used to fail the
whole request) and before permission checks and resolvers (so nothing of a refused input reaches a
service or the database). A mutation answers a refusal in its payload, `errors` naming each field
(`input.address.line`, `input.items.2.note`); a query or subscription field answers a GraphQL error with
`extensions {code: INVALID_INPUT, field: "search"}`.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLID,
    GraphQLInputType,
    GraphQLObjectType,
    GraphQLSchema,
    default_field_resolver,
    get_nullable_type,
    is_enum_type,
    is_input_object_type,
    is_list_type,
    is_scalar_type,
)
from strawberry.relay import GlobalID
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryOptional, has_object_definition

from src.schema.errors import query_errors, user_errors
from src.schema.scalars import InvalidDecimal
from src.services.common.errors import DomainError, DomainErrors, invalid
from src.services.common.quantities import decimal_input_error
from src.services.common.text import text_input_error

# Scalars whose coerced values cannot carry text or a number out of bounds (graphql-core bounds Int to
# 32 bits; JSON has no NaN for Float). Every other scalar, custom ones included, is looked at.
_INERT_SCALARS = {"Int", "Float", "Boolean", "Date", "DateTime", "Upload"}


def violations(args: dict[str, Any], arg_defs: dict[str, GraphQLArgument]) -> list[DomainError]:
    """Every argument value that breaks a rule, each named by its path from the argument."""
    errors: list[DomainError] = []
    for name, arg in arg_defs.items():
        value = args.get(arg.out_name or name)
        if value is not None:
            _check(value, arg.type, name, errors)
    return errors


def _check(value: Any, type_: GraphQLInputType, path: str, errors: list[DomainError]) -> None:
    if value is None:
        return
    type_ = get_nullable_type(type_)  # type: ignore[assignment]
    if is_list_type(type_):
        if isinstance(value, list | tuple):
            for index, item in enumerate(value):
                _check(item, type_.of_type, f"{path}.{index}", errors)  # type: ignore[attr-defined]
        return
    if is_input_object_type(type_):
        if isinstance(value, dict):
            for name, field in type_.fields.items():  # type: ignore[attr-defined]
                key = field.out_name or name
                if key in value:
                    _check(value[key], field.type, f"{path}.{name}", errors)
        return
    error: DomainError | None = None
    if isinstance(value, str):
        error = text_input_error(value, field=path)
        if error is None and type_ is GraphQLID:
            error = _global_id_error(value, path)
    elif isinstance(value, Decimal | InvalidDecimal):
        error = decimal_input_error(value, field=path)
    if error is not None:
        errors.append(error)


def _global_id_error(value: str, path: str) -> DomainError | None:
    # Every ID of this API is a Relay global ID ("Type:id" in base64); whether it names something is
    # for the resolver to say (NOT_FOUND), but one that is no global ID at all is an input mistake.
    try:
        GlobalID.from_id(value)
    except (ValueError, TypeError):
        return invalid(path, "INVALID_ID")
    return None


def _may_need_rules(type_: GraphQLInputType, seen: set[str] | None = None) -> bool:
    """Whether a value of this type can hold something the rules look at (a string, an ID, a Decimal)."""
    seen = set() if seen is None else seen
    type_ = get_nullable_type(type_)  # type: ignore[assignment]
    if is_list_type(type_):
        return _may_need_rules(type_.of_type, seen)  # type: ignore[attr-defined]
    if is_enum_type(type_):
        return False
    if is_scalar_type(type_):
        return type_.name not in _INERT_SCALARS  # type: ignore[attr-defined]
    if is_input_object_type(type_):
        if type_.name in seen:  # type: ignore[attr-defined]
            return False
        seen.add(type_.name)  # type: ignore[attr-defined]
        return any(_may_need_rules(f.type, seen) for f in type_.fields.values())  # type: ignore[attr-defined]
    return True


def _payload_class(field: GraphQLField) -> type | None:
    """The Python class of a mutation's payload, when it has the `errors` list refusals go into."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    payload = getattr(definition, "type", None)
    if isinstance(payload, StrawberryOptional):
        payload = payload.of_type
    if not isinstance(payload, type) or not has_object_definition(payload):
        return None
    names = {f.python_name for f in payload.__strawberry_definition__.fields}
    return payload if "errors" in names else None


def _language(info: Any) -> str:
    return str(getattr(info.context, "language", None) or "id")


def _checked_resolver(field: GraphQLField, resolve: Callable[..., Any], payload: type | None) -> Callable[..., Any]:
    arg_defs = field.args

    def resolver(source: Any, info: Any, **kwargs: Any) -> Any:
        errors = violations(kwargs, arg_defs)
        if not errors:
            return resolve(source, info, **kwargs)
        if payload is not None:  # a mutation: every mistake at once, as a form shows them
            return payload(errors=user_errors(DomainErrors(errors), _language(info), prefix=""))
        with query_errors(info):  # a query: its first mistake, as a GraphQL error naming the argument's path
            raise DomainErrors(errors)

    return resolver


def install(schema: GraphQLSchema) -> list[str]:
    """Put the rules in front of every field that takes a string, ID or Decimal argument; returns the
    fields checked as `Type.field` (for tests and the curious)."""
    checked: list[str] = []
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            if not any(_may_need_rules(arg.type) for arg in field.args.values()):
                continue
            if type_ is schema.subscription_type and field.subscribe is not None:
                field.subscribe = _checked_resolver(field, field.subscribe, None)
            else:
                payload = _payload_class(field) if type_ is schema.mutation_type else None
                field.resolve = _checked_resolver(field, field.resolve or default_field_resolver, payload)
            checked.append(f"{type_.name}.{name}")
    return checked

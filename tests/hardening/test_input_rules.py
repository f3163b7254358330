"""Every text, ID and Decimal argument of the schema, found by walking its types, refused when it holds a
control character, a malformed ID or an impossible number: INVALID_INPUT naming the argument's path, in
the caller's language, before authentication, and with nothing changed.

The table is built from the schema itself (every field of Query, Mutation and Subscription, every
argument, every nested input field), so an input added later is probed without editing this file.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
    get_named_type,
    is_composite_type,
)
from strawberry.relay import to_base64

from src.models.accounts import Role, User
from src.models.catalog import Product
from src.models.markets import Market
from src.schema import build_schema
from src.schema.scalars import parse_decimal
from src.services.common.i18n import translate
from src.services.common.quantities import check_quantity, decimal_input_error
from src.services.common.text import text_input_error
from src.settings import Settings
from tests.factories import make_user, token_for
from tests.support.database import snapshot
from tests.support.graphql import GraphQLClient
from tests.support.world import make_world

# Each bad value and the message key it is refused with.
TEXT_PROBES = [("Pasar\x00Besar", "CONTROL_CHARACTERS")]
MORE_TEXT_PROBES = [("\x1b[2Jbersih", "CONTROL_CHARACTERS"), ("baris\rbaru", "CONTROL_CHARACTERS"),
                    ("hapus\x7f", "CONTROL_CHARACTERS"), ("\x08\x07", "CONTROL_CHARACTERS")]  # fmt: skip
ID_PROBES = [("", "INVALID_ID"), ("\u00ff\u00fe\u0001garbage", "CONTROL_CHARACTERS"), ("Zm9v", "INVALID_ID"),
             ("%%% not base64 %%%", "INVALID_ID"), ("Pasar\x00", "CONTROL_CHARACTERS")]  # fmt: skip
DECIMAL_PROBES: list[tuple[Any, str]] = [
    ("1e30", "NUMBER_TOO_LARGE"),
    ("1e100", "NUMBER_TOO_LARGE"),
    ("123456789012345678901234567890", "NUMBER_TOO_LARGE"),
    ("-1E+30", "NUMBER_TOO_LARGE"),
    (1e30, "NUMBER_TOO_LARGE"),  # a JSON number
    ("NaN", "NOT_A_NUMBER"),
    ("-sNaN", "NOT_A_NUMBER"),
    ("Infinity", "NOT_A_NUMBER"),
    ("-Infinity", "NOT_A_NUMBER"),
    ("dua kilo", "NOT_A_NUMBER"),
    ("0.0000001", "TOO_MANY_DECIMALS"),
    ("1E-1000000", "TOO_MANY_DECIMALS"),
]


@dataclass
class Probe:
    operation: str  # query, mutation or subscription
    field: str
    path: tuple[str, ...]  # argument name, then input fields and list indexes
    value: Any
    message_key: str

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


Leaf = tuple[tuple[str, ...], GraphQLScalarType]


def _leaves(type_: GraphQLInputType, path: tuple[str, ...], seen: frozenset[str]) -> Iterator[Leaf]:
    """Every scalar reachable inside an argument, with its path (a list's second element: index 1)."""
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        yield from _leaves(type_.of_type, (*path, "1"), seen)
    elif isinstance(type_, GraphQLInputObjectType):
        if type_.name not in seen:
            for name, field in type_.fields.items():
                yield from _leaves(field.type, (*path, name), seen | {type_.name})
    elif isinstance(type_, GraphQLScalarType):
        yield path, type_


def _probes_for(type_: GraphQLScalarType, counter: Iterator[int]) -> list[tuple[Any, str]]:
    if type_.name == "String":
        return [*TEXT_PROBES, MORE_TEXT_PROBES[next(counter) % len(MORE_TEXT_PROBES)]]
    if type_.name == "ID":
        return ID_PROBES
    if type_.name == "Decimal":
        return DECIMAL_PROBES
    return []


def schema_probes() -> list[Probe]:
    """The table: every probe for every text, ID and Decimal anywhere in every root field's arguments."""
    schema = build_schema(Settings())._schema
    counter = itertools.count()
    probes = []
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type),
                            ("subscription", schema.subscription_type)):  # fmt: skip
        assert root is not None
        for name, field in root.fields.items():
            for arg_name, arg in field.args.items():
                for path, scalar in _leaves(arg.type, (arg_name,), frozenset()):
                    for value, key in _probes_for(scalar, counter):
                        probes.append(Probe(operation, name, path, value, key))
    return probes


PROBES = schema_probes()

# What the attack and the fuzzer hit (issue 15): the walk must find at least these.
EXPECTED = {
    ("mutation", "register", "input.name"), ("mutation", "register", "input.businessName"),
    ("mutation", "applyForStall", "input.name"), ("mutation", "createProduct", "input.name"),
    ("mutation", "updateProduct", "input.description"), ("mutation", "addToCart", "input.note"),
    ("mutation", "placeOrder", "input.address.line"), ("mutation", "placeOrder", "input.note"),
    ("mutation", "placeOrder", "input.idempotencyKey"), ("mutation", "placeOrder", "input.items.1.note"),
    ("mutation", "updateMarket", "input.openingHours"), ("mutation", "createStaffUser", "input.name"),
    ("query", "markets", "search"), ("query", "products", "filter.search"), ("query", "markets", "after"),
    ("mutation", "setStock", "input.stock"), ("mutation", "addToCart", "input.quantity"),
    ("mutation", "createProduct", "input.stock"), ("mutation", "createProduct", "input.priceTiers.1.minQuantity"),
    ("mutation", "placeOrder", "input.items.1.quantity"), ("mutation", "updateMarket", "input.deliveryRadiusKm"),
    ("query", "product", "id"), ("query", "market", "id"), ("mutation", "placeOrder", "input.items.1.productId"),
    ("mutation", "markNotificationsRead", "input.ids.1"), ("subscription", "orderUpdated", "orderId"),
}  # fmt: skip


def test_the_table_covers_every_input_the_attack_found() -> None:
    found = {(p.operation, p.field, p.dotted) for p in PROBES}
    assert EXPECTED <= found, EXPECTED - found
    assert len({(p.field, p.dotted) for p in PROBES}) > 100  # every argument, not a sample


# --- building requests from the schema -------------------------------------------------------


def _baseline(type_: GraphQLInputType, today: str) -> Any:
    """A well-formed value of a type (only required input fields filled in)."""
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        return [_baseline(type_.of_type, today)]
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: _baseline(field.type, today)
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    assert isinstance(type_, GraphQLScalarType)
    known = {
        "String": "Pasar Besar", "ID": to_base64("Product", 1), "Decimal": "1", "Int": 1, "Float": 0.5,
        "Boolean": False, "Date": today, "DateTime": datetime.now().isoformat(), "Upload": "berkas", "JSON": {},
    }  # fmt: skip
    assert type_.name in known, f"give the new scalar {type_.name} a well-formed value here"
    return known[type_.name]


def _with(value: Any, type_: GraphQLInputType, path: tuple[str, ...], bad: Any, today: str) -> Any:
    """`value` (a baseline) with `bad` put at `path`, building what lies on the way."""
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if not path:
        return bad
    head, rest = path[0], path[1:]
    if isinstance(type_, GraphQLList):
        element = type_.of_type
        items = list(value) if isinstance(value, list) and value else [_baseline(element, today)]
        base = _baseline(element, today)
        return [items[0], _with(base, element, rest, bad, today)]  # the bad one at index 1
    assert isinstance(type_, GraphQLInputObjectType)
    fields = dict(value or {})
    inner = type_.fields[head].type
    fields[head] = _with(fields.get(head, _baseline(inner, today)), inner, rest, bad, today)
    return fields


def _document(probe: Probe, field: GraphQLField, today: str) -> tuple[str, dict[str, Any]]:
    variables: dict[str, Any] = {}
    definitions, arguments = [], []
    for index, (name, arg) in enumerate(field.args.items()):
        if name != probe.path[0] and not (isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined):
            continue  # optional and not probed: left out
        value = _baseline(arg.type, today)
        if name == probe.path[0]:
            value = _with(value, arg.type, probe.path[1:], probe.value, today)
        variables[f"v{index}"] = value
        definitions.append(f"$v{index}: {arg.type}")
        arguments.append(f"{name}: $v{index}")
    named = get_named_type(field.type)
    selection = ""
    if is_composite_type(named):
        has_errors = isinstance(named, GraphQLObjectType) and "errors" in named.fields
        selection = "{ errors { field code message } }" if has_errors else "{ __typename }"
    document = (
        f"{probe.operation} Probe({', '.join(definitions)}) {{ {probe.field}({', '.join(arguments)}) {selection} }}"
    )
    return document, variables


def _refusal(probe: Probe, body: dict[str, Any], language: str) -> None:
    """The answer names the probed path with INVALID_INPUT and the rule's message, and nothing else."""
    message = translate(probe.message_key, language, places=3)
    if probe.operation == "mutation" and not body.get("errors"):
        payload = body["data"][probe.field]
        assert payload["errors"] == [{"field": probe.dotted, "code": "INVALID_INPUT", "message": message}], probe
        return
    errors = body.get("errors") or []
    assert [e.get("extensions") for e in errors] == [{"code": "INVALID_INPUT", "field": probe.dotted}], (probe, body)
    assert errors[0]["message"] == message, (probe, errors)
    assert probe.operation != "mutation", f"{probe.field} answers refusals outside its payload"


async def test_every_text_id_and_decimal_input_is_refused_and_changes_nothing(
    gql: GraphQLClient, settings: Settings
) -> None:
    world = await make_world(settings, couriers=1)
    office = await make_user(Role.MARKET_ADMIN, market=None, name="Diskoperindag")
    # Each probe goes as the next of these: the rules come before authentication and roles, so each
    # is refused alike, and the anonymous caller proves that nothing was looked up first.
    callers: list[User | None] = [None, world.buyer, world.trader, world.couriers[0], world.admin, office]
    schema = build_schema(settings)._schema
    today = date.today().isoformat()
    before = await snapshot()
    products, markets = await Product.all().count(), await Market.all().count()
    http_probes = [p for p in PROBES if p.operation != "subscription"]
    for index, probe in enumerate(http_probes):
        root = schema.query_type if probe.operation == "query" else schema.mutation_type
        assert root is not None
        document, variables = _document(probe, root.fields[probe.field], today)
        caller = callers[index % len(callers)]
        language = "en" if index % 3 == 0 else "id"
        response = await gql.post(
            document,
            variables,
            token=token_for(caller, settings) if caller else "",
            headers={"Accept-Language": language},
        )
        assert response.status_code == 200, (probe, response.text)
        assert "INTERNAL_ERROR" not in response.text and "Traceback" not in response.text, (probe, response.text)
        assert "cannot represent" not in response.text, (probe, response.text)
        _refusal(probe, response.json(), language)
        if index % 50 == 0:  # a full snapshot reads every table: every 50 probes, and at the end
            assert await snapshot() == before, f"the database changed by {probe}"
    assert await snapshot() == before
    assert (await Product.all().count(), await Market.all().count()) == (products, markets)


async def test_subscription_arguments_are_refused_before_the_stream_starts(orm: None, settings: Settings) -> None:
    schema = build_schema(settings)
    subscription = schema._schema.subscription_type
    assert subscription is not None
    for probe in (p for p in PROBES if p.operation == "subscription"):
        document, variables = _document(probe, subscription.fields[probe.field], date.today().isoformat())
        stream = await schema.subscribe(document, variable_values=variables)
        answers = [answer async for answer in stream]  # type: ignore[union-attr]  # ends after the refusal
        assert [[e.extensions for e in a.errors or []] for a in answers] == [
            [{"code": "INVALID_INPUT", "field": probe.dotted}]
        ], probe


# --- the rules themselves --------------------------------------------------------------------


@pytest.mark.parametrize("character", [chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, 0xD800, 0xDFFF]])
def test_the_text_rule_refuses_every_control_character(character: str) -> None:
    refused = text_input_error(f"Bu{character}Sri", field="input.name")
    assert refused is not None and refused.field == "input.name" and refused.message_key == "CONTROL_CHARACTERS"


@pytest.mark.parametrize("text", ["Bu Sri", "baris satu\nbaris dua", "kolom\tkolom", "Cabai ‮ 🐟 ﷽ ÿ", "\u0085\u00a0"])
def test_the_text_rule_keeps_newlines_tabs_and_any_printable_text(text: str) -> None:
    assert text_input_error(text, field="input.note") is None


@pytest.mark.parametrize(
    ("sent", "read"),
    [("1E+2", "100"), ("1e2", "100"), (" 0.25 ", "0.25"), ("-0", "0"), ("-0.000", "0.000"), (0.25, "0.25"),
     (10, "10"), ("2.50", "2.50")],
)  # fmt: skip
def test_the_decimal_scalar_reads_exponents_and_negative_zero_as_plain_numbers(sent: Any, read: str) -> None:
    """1E+2 is a valid way of writing 100: accepted, and written plainly; -0 is 0."""
    parsed = parse_decimal(sent)
    assert isinstance(parsed, Decimal) and str(parsed) == read
    assert decimal_input_error(parsed, field="input.stock") is None


@pytest.mark.parametrize(("value", "key"), DECIMAL_PROBES)
def test_check_quantity_refuses_impossible_numbers_without_crashing(value: Any, key: str) -> None:
    """The services' own check holds too (jobs and the command line call them without the API)."""
    parsed = parse_decimal(value)
    if not isinstance(parsed, Decimal):
        return
    with pytest.raises(Exception) as refused:
        check_quantity(parsed, field="stock", allow_zero=True)
    assert getattr(refused.value, "field", None) == "stock", refused.value


def test_check_quantity_stores_negative_zero_as_zero() -> None:
    assert str(check_quantity(Decimal("-0"), field="stock", allow_zero=True)) == "0.000"


SET_STOCK = """mutation($input: SetStockInput!) {
  setStock(input: $input) { product { stock } errors { field code } } }"""
CREATE_PRODUCT = """mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { id } errors { field code } } }"""


async def test_exponent_and_negative_zero_reach_the_stock_as_plain_numbers(
    gql: GraphQLClient, settings: Settings
) -> None:
    world = await make_world(settings, couriers=1)
    gql.token = token_for(world.trader, settings)
    product = to_base64("Product", world.product.id)
    for sent, shown in (("1E+2", "100"), ("-0", "0"), (12.5, "12.5")):
        payload = (await gql(SET_STOCK, {"input": {"productId": product, "stock": sent}}))["setStock"]
        assert payload == {"product": {"stock": shown}, "errors": []}, sent
        await world.product.refresh_from_db()
        assert world.product.stock == Decimal(shown)


async def test_a_malformed_id_is_a_payload_error_in_a_mutation_and_a_coded_error_in_a_query(
    gql: GraphQLClient, settings: Settings
) -> None:
    """Was "Value cannot represent a GlobalID" with `data: null`, in English, without a code."""
    world = await make_world(settings, couriers=1)
    gql.token = token_for(world.trader, settings)
    payload = (await gql(SET_STOCK, {"input": {"productId": "", "stock": "5"}}))["setStock"]
    assert payload == {"product": None, "errors": [{"field": "input.productId", "code": "INVALID_INPUT"}]}
    response = await gql.post('{ product(id: "bm9wZQ==") { name } }', headers={"Accept-Language": "en"})
    body = response.json()
    assert body["data"] == {"product": None}
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "id"}
    assert body["errors"][0]["message"] == translate("INVALID_ID", "en")
    # Well-formed but naming nothing stays NOT_FOUND, named by its argument.
    missing = (await gql(SET_STOCK, {"input": {"productId": to_base64("Product", 999999), "stock": "5"}}))["setStock"]
    assert missing["errors"] == [{"field": "input.productId", "code": "NOT_FOUND"}]


async def test_every_mistake_of_one_input_is_named_at_once(gql: GraphQLClient, settings: Settings) -> None:
    world = await make_world(settings, couriers=1)
    gql.token = token_for(world.trader, settings)
    payload = (await gql(CREATE_PRODUCT, {"input": {
        "name": "Cabai\x00", "categoryId": "", "unit": "kg", "price": 1000, "stock": "NaN",
        "priceTiers": [{"minQuantity": "1e30", "price": 900}],
    }}))["createProduct"]  # fmt: skip
    assert payload["product"] is None
    assert payload["errors"] == [
        {"field": "input.name", "code": "INVALID_INPUT"},
        {"field": "input.categoryId", "code": "INVALID_INPUT"},
        {"field": "input.stock", "code": "INVALID_INPUT"},
        {"field": "input.priceTiers.0.minQuantity", "code": "INVALID_INPUT"},
    ]
    assert await Product.filter(stall_id=world.stall.id).count() == 1  # only the world's own product


async def test_the_decimal_scalar_says_where_its_format_is_specified(gql: GraphQLClient) -> None:
    """Generic clients and fuzzers (schemathesis) generate values for a scalar only with @specifiedBy."""
    found = await gql('{ __type(name: "Decimal") { kind specifiedByURL } }')
    assert found["__type"] == {
        "kind": "SCALAR",
        "specifiedByURL": "https://speleotrove.com/decimal/daconvs.html#refnumsyn",
    }


async def test_in_production_a_refusal_is_not_masked(settings: Settings) -> None:
    """MaskWithErrorId hides unexpected errors; a refused input is expected and keeps its code and field."""
    production = build_schema(settings.model_copy(update={"environment": "production"}))
    result = await production.execute('query { markets(search: "pasar\\u0000") { edges { cursor } } }')
    assert result.errors is not None
    assert [e.extensions for e in result.errors] == [{"code": "INVALID_INPUT", "field": "search"}]
    assert result.errors[0].message == translate("CONTROL_CHARACTERS", "id")

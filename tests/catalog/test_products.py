"""Traders' product mutations: valid changes land, bad input and wrong users change nothing."""

from decimal import Decimal
from typing import Any

import pytest
from strawberry.relay import to_base64

from src.models.accounts import Role
from src.models.catalog import Category, PriceTier, Product, ProductStatus
from src.models.markets import Stall
from src.settings import Settings
from tests.factories import make_category, make_market, make_product, make_stall, make_user, token_for
from tests.support.graphql import GraphQLClient

FIELDS = "id name unit price { amount } minQuantity quantityStep stock isWeighed isArchived priceTiers { minQuantity price { amount } }"  # noqa: E501
CREATE = f"mutation($input: CreateProductInput!) {{ createProduct(input: $input) {{ product {{ {FIELDS} }} errors {{ field code message }} }} }}"  # noqa: E501
UPDATE = f"mutation($input: UpdateProductInput!) {{ updateProduct(input: $input) {{ product {{ {FIELDS} }} errors {{ field code message }} }} }}"  # noqa: E501
ARCHIVE = "mutation($input: ArchiveProductInput!) { archiveProduct(input: $input) { product { isArchived } errors { code } } }"  # noqa: E501
SET_STOCK = "mutation($input: SetStockInput!) { setStock(input: $input) { product { stock } errors { field code } } }"


@pytest.fixture
async def trader_stall(gql: GraphQLClient, settings: Settings) -> Stall:
    stall = await make_stall()
    gql.token = token_for(await stall.trader, settings)
    return stall


@pytest.fixture
async def category() -> Category:
    return await make_category(name="Bumbu & Rempah")


def _input(category: Category, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "Cabai rawit merah",
        "categoryId": to_base64("Category", category.id),
        "unit": "kg",
        "price": 62000,
        "stock": "8.5",
        "minQuantity": "0.25",
        "quantityStep": "0.25",
        "isWeighed": True,
        "priceTiers": [{"minQuantity": "5", "price": 58000}, {"minQuantity": "10", "price": 55000}],
    }
    fields.update(overrides)
    return fields


async def test_trader_creates_a_product(gql: GraphQLClient, trader_stall: Stall, category: Category) -> None:
    payload = (await gql(CREATE, {"input": _input(category)}))["createProduct"]
    assert payload["errors"] == []
    product = payload["product"]
    assert product["unit"] == "KG"
    assert (product["price"], product["minQuantity"], product["quantityStep"], product["stock"]) == (
        {"amount": 62000},
        "0.25",
        "0.25",
        "8.5",
    )
    assert product["priceTiers"] == [
        {"minQuantity": "5", "price": {"amount": 58000}},
        {"minQuantity": "10", "price": {"amount": 55000}},
    ]
    stored = await Product.get(stall_id=trader_stall.id)
    assert "cabe" in stored.search_text  # indexed with its spelling variants


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"price": -1000}, "input.price", "INVALID_INPUT"),
        ({"price": 0}, "input.price", "INVALID_INPUT"),
        ({"minQuantity": "0"}, "input.minQuantity", "INVALID_INPUT"),
        ({"minQuantity": "-1"}, "input.minQuantity", "INVALID_INPUT"),
        ({"quantityStep": "0"}, "input.quantityStep", "INVALID_INPUT"),
        ({"stock": "-2"}, "input.stock", "INVALID_INPUT"),
        ({"stock": "1.0001"}, "input.stock", "INVALID_INPUT"),
        ({"minQuantity": "0.5", "quantityStep": "0.3", "priceTiers": []}, "input.minQuantity", "INVALID_INPUT"),
        (
            {"priceTiers": [{"minQuantity": "10", "price": 55000}, {"minQuantity": "5", "price": 58000}]},
            "input.priceTiers.1",
            "INVALID_INPUT",
        ),
        ({"priceTiers": [{"minQuantity": "5", "price": 70000}]}, "input.priceTiers.0", "INVALID_INPUT"),
        ({"priceTiers": [{"minQuantity": "5.1", "price": 50000}]}, "input.priceTiers.0.minQuantity", "INVALID_INPUT"),
        ({"unit": "bakul"}, "input.unit", "INVALID_INPUT"),
        ({"name": "   "}, "input.name", "INVALID_INPUT"),
        ({"categoryId": to_base64("Category", 999_999)}, "input.categoryId", "NOT_FOUND"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    gql: GraphQLClient, trader_stall: Stall, category: Category, overrides: dict[str, Any], field: str, code: str
) -> None:
    payload = (await gql(CREATE, {"input": _input(category, **overrides)}))["createProduct"]
    assert payload["product"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert payload["errors"][0]["message"]
    assert await Product.all().count() == 0
    assert await PriceTier.all().count() == 0


async def test_every_bad_field_is_named_at_once(gql: GraphQLClient, trader_stall: Stall, category: Category) -> None:
    gql.language = "en"
    payload = (await gql(CREATE, {"input": _input(category, price=-5, stock="-1", unit="bakul")}))["createProduct"]
    assert sorted(e["field"] for e in payload["errors"]) == ["input.price", "input.stock", "input.unit"]
    unit_error = next(e for e in payload["errors"] if e["field"] == "input.unit")
    assert "Unknown unit" in unit_error["message"] and "KG" in unit_error["message"]


async def test_trader_updates_archives_and_restocks(gql: GraphQLClient, trader_stall: Stall) -> None:
    product = await make_product(trader_stall, tiers=(("10", 9000),))
    product_id = to_base64("Product", product.id)

    updated = (await gql(UPDATE, {"input": {"id": product_id, "price": 12000, "name": "Tomat merah"}}))["updateProduct"]
    assert updated["errors"] == []
    assert updated["product"]["name"] == "Tomat merah"
    assert updated["product"]["priceTiers"] == [{"minQuantity": "10", "price": {"amount": 9000}}]

    # A new price below an existing tier is refused: tiers must stay cheaper than the unit price.
    refused = (await gql(UPDATE, {"input": {"id": product_id, "price": 8000}}))["updateProduct"]
    assert refused["errors"][0]["code"] == "INVALID_INPUT"
    assert (await Product.get(id=product.id)).price == 12000

    stocked = (await gql(SET_STOCK, {"input": {"productId": product_id, "stock": "3.75"}}))["setStock"]
    assert stocked == {"product": {"stock": "3.75"}, "errors": []}
    negative = (await gql(SET_STOCK, {"input": {"productId": product_id, "stock": "-1"}}))["setStock"]
    assert negative["errors"] == [{"field": "input.stock", "code": "INVALID_INPUT"}]

    archived = (await gql(ARCHIVE, {"input": {"id": product_id}}))["archiveProduct"]
    assert archived == {"product": {"isArchived": True}, "errors": []}
    assert (await Product.get(id=product.id)).status == ProductStatus.ARCHIVED
    again = (await gql(UPDATE, {"input": {"id": product_id, "price": 13000}}))["updateProduct"]
    assert again["errors"][0]["code"] == "INVALID_STATE"


async def test_nobody_but_the_stall_trader_may_edit(gql: GraphQLClient, settings: Settings) -> None:
    market = await make_market()
    product = await make_product(await make_stall(market=market), price=10000)
    product_id = to_base64("Product", product.id)
    other_trader = await make_user(Role.TRADER)
    await make_stall(trader=other_trader, market=market)  # a neighbour with a stall of their own
    outsiders = [
        await make_user(Role.TRADER),
        other_trader,
        await make_user(Role.BUYER),
        await make_user(Role.COURIER, market=market),
        await make_user(Role.MARKET_ADMIN, market=await make_market()),
    ]
    for user in outsiders:
        gql.token = token_for(user, settings)
        for document, variables in (
            (UPDATE, {"input": {"id": product_id, "price": 1}}),
            (ARCHIVE, {"input": {"id": product_id}}),
            (SET_STOCK, {"input": {"productId": product_id, "stock": "0"}}),
        ):
            payload = next(iter((await gql(document, variables)).values()))
            assert payload["product"] is None
            assert payload["errors"][0]["code"] == "PERMISSION_DENIED", (user.role, document)
    gql.token = None
    payload = (await gql(UPDATE, {"input": {"id": product_id, "price": 1}}))["updateProduct"]
    assert payload["errors"][0]["code"] == "UNAUTHENTICATED"
    unchanged = await Product.get(id=product.id)
    assert (unchanged.price, unchanged.status, unchanged.stock) == (10000, ProductStatus.ACTIVE, Decimal("50"))


async def test_only_traders_with_a_stall_create_products(
    gql: GraphQLClient, settings: Settings, category: Category
) -> None:
    for user in (await make_user(Role.BUYER), await make_user(Role.MARKET_ADMIN)):
        gql.token = token_for(user, settings)
        payload = (await gql(CREATE, {"input": _input(category)}))["createProduct"]
        assert payload["errors"][0]["code"] == "PERMISSION_DENIED"
    gql.token = token_for(await make_user(Role.TRADER), settings)
    payload = (await gql(CREATE, {"input": _input(category)}))["createProduct"]
    assert payload["errors"][0]["code"] == "NOT_FOUND"  # no stall yet
    assert await Product.all().count() == 0

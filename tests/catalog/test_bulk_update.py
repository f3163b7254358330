"""The trader's morning in bulk: up to 200 products in one transaction, constant statements, all or nothing."""

from decimal import Decimal
from typing import Any

from strawberry.relay import to_base64

from src.models.accounts import Role
from src.models.catalog import PriceTier, Product, ProductStatus
from src.settings import Settings
from tests.factories import make_market, make_product, make_stall, make_user, token_for
from tests.support.graphql import GraphQLClient
from tests.support.queries import count_queries

UPDATE = """mutation($items: [ProductChangeInput!]!) { updateProducts(input: {items: $items}) {
  products { name price { amount } stock isActive } errors { field code } } }"""
PRODUCT = "query($id: ID!) { product(id: $id) { name isActive } }"


def _gid(product: Product) -> str:
    return to_base64("Product", product.id)


async def _stall_with(n: int) -> tuple[Any, list[Product]]:
    stall = await make_stall(market=await make_market())
    return stall, [await make_product(stall, name=f"Sayur {k:03d}", price=5_000 + k) for k in range(n)]


async def _run(gql: GraphQLClient, token: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return dict((await gql(UPDATE, {"items": items}, token=token))["updateProducts"])


async def test_two_hundred_products_change_in_a_constant_number_of_statements(
    gql: GraphQLClient, settings: Settings
) -> None:
    stall, products = await _stall_with(200)
    token = token_for(await stall.trader, settings)
    counts = []
    for size in (2, 200):
        items = [{"productId": _gid(p), "price": 7_000 + k, "stock": "12.5"} for k, p in enumerate(products[:size])]
        with count_queries() as counter:
            done = await _run(gql, token, items)
        assert done["errors"] == [] and len(done["products"]) == size
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    stored = {p.id: p for p in await Product.filter(stall_id=stall.id)}
    assert {stored[p.id].price for p in products} == {7_000 + k for k in range(200)}
    assert {stored[p.id].stock for p in products} == {Decimal("12.5")}


async def test_one_bad_item_changes_nothing_and_each_failure_is_named(gql: GraphQLClient, settings: Settings) -> None:
    stall, products = await _stall_with(4)
    archived = products[3]
    archived.status = ProductStatus.ARCHIVED
    await archived.save()
    await PriceTier.create(product=products[2], min_quantity=Decimal(10), price=4_000)
    foreign = await make_product(await make_stall(market=await make_market()))
    token = token_for(await stall.trader, settings)
    done = await _run(gql, token, [
        {"productId": _gid(products[0]), "price": 9_000},  # fine on its own
        {"productId": _gid(products[1]), "stock": "-1"},
        {"productId": _gid(products[2]), "price": 3_500},  # below its wholesale tier
        {"productId": _gid(archived), "active": True},
        {"productId": _gid(foreign), "price": 1_000},
        {"productId": _gid(products[0]), "stock": "3"},  # twice
        {"productId": _gid(products[1])},
    ])  # fmt: skip
    assert done["products"] == []
    # Duplicates first (items 5 and 6 repeat items 0 and 1), before anything is read.
    assert done["errors"] == [
        {"field": "input.items.5.productId", "code": "INVALID_INPUT"},
        {"field": "input.items.6.productId", "code": "INVALID_INPUT"},
    ]
    done = await _run(gql, token, [
        {"productId": _gid(products[0]), "price": 9_000},
        {"productId": _gid(products[1]), "stock": "-1"},
        {"productId": _gid(products[2]), "price": 3_500},
        {"productId": _gid(archived), "active": True},
        {"productId": _gid(foreign), "price": 1_000},
        {"productId": to_base64("Product", 999_999), "price": 1_000},
        {"productId": to_base64("Product", products[0].id + 10_000), "stock": "1"},
        {"productId": _gid(await make_product(stall))},
    ])  # fmt: skip
    assert done["errors"] == [
        {"field": "input.items.1.stock", "code": "INVALID_INPUT"},
        {"field": "input.items.2.price", "code": "INVALID_INPUT"},
        {"field": "input.items.3.productId", "code": "INVALID_STATE"},
        {"field": "input.items.4.productId", "code": "PERMISSION_DENIED"},
        {"field": "input.items.5.productId", "code": "NOT_FOUND"},
        {"field": "input.items.6.productId", "code": "NOT_FOUND"},
        {"field": "input.items.7", "code": "INVALID_INPUT"},  # nothing to change
    ]
    assert (await Product.get(id=products[0].id)).price == products[0].price  # the good item did not change either


async def test_off_sale_for_now_hides_a_product_from_buyers_and_back(gql: GraphQLClient, settings: Settings) -> None:
    stall, [sawi] = await _stall_with(1)
    trader = await stall.trader
    done = await _run(gql, token_for(trader, settings), [{"productId": _gid(sawi), "active": False}])
    assert done["products"] == [{"name": "Sayur 000", "price": {"amount": 5_000}, "stock": "50", "isActive": False}]
    buyer = token_for(await make_user(), settings)
    assert (await gql(PRODUCT, {"id": _gid(sawi)}, token=buyer))["product"] is None
    assert (await gql(PRODUCT, {"id": _gid(sawi)}, token=token_for(trader, settings)))["product"]["isActive"] is False
    await _run(gql, token_for(trader, settings), [{"productId": _gid(sawi), "active": True}])
    assert (await gql(PRODUCT, {"id": _gid(sawi)}, token=buyer))["product"] == {"name": "Sayur 000", "isActive": True}


async def test_only_a_trader_changes_and_at_most_two_hundred(gql: GraphQLClient, settings: Settings) -> None:
    _, products = await _stall_with(1)
    item = {"productId": _gid(products[0]), "price": 1_000}
    for role in (Role.BUYER, Role.COURIER, Role.MARKET_ADMIN):
        done = await _run(gql, token_for(await make_user(role), settings), [item])
        assert done["errors"] == [{"field": None, "code": "PERMISSION_DENIED"}]
    other_trader = await (await make_stall(market=await make_market())).trader
    done = await _run(gql, token_for(other_trader, settings), [item])
    assert done["errors"] == [{"field": "input.items.0.productId", "code": "PERMISSION_DENIED"}]
    done = await _run(gql, token_for(other_trader, settings), [item] * 201)
    assert done["errors"] == [{"field": "input.items", "code": "INVALID_INPUT"}]
    done = await _run(gql, token_for(other_trader, settings), [])
    assert done["errors"] == [{"field": "input.items", "code": "INVALID_INPUT"}]
    assert (await Product.get(id=products[0].id)).price == products[0].price

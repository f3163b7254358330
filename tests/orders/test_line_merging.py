"""Lines of one product are merged before pricing (no goods made free by per-line rounding), an order has at
most MAX_ORDER_LINES lines (the cart too), and a priced line never costs Rp 0."""

from decimal import Decimal

import pytest
from strawberry.relay import to_base64

from src.models.catalog import Product
from src.models.orders import CartItem, Order, OrderItem
from src.services.common import money
from src.settings import Settings
from tests.factories import make_product, token_for
from tests.orders.test_orders import ADD, _gql_input
from tests.support.graphql import GraphQLClient
from tests.support.world import GARAM_KROSOK, Shop, make_shop

PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  order { subtotal { amount } stallOrders { items { quantity unitPrice { amount } lineTotal { amount } note } } }
  errors { field code message } } }"""


@pytest.fixture
async def world(clean_db: None, settings: Settings) -> Shop:
    """One stall selling garam krosok: Rp 400/kg (Rp 350 from 0.5 kg), 100 kg, by the gram."""
    return await make_shop(settings, goods=(GARAM_KROSOK,))


def test_a_priced_line_never_costs_nothing() -> None:
    assert money.line_total(Decimal("0.001"), 400) == 1  # Rp 0,4: charged Rp 1, not given away
    assert money.line_total(Decimal("0.001"), 0) == 0  # a free product stays free
    assert money.line_total(Decimal("0.0015"), 1000) == 2  # halves up, as before
    assert money.line_total(Decimal("0.35"), 38000) == 13300


async def test_many_tiny_lines_of_one_product_are_priced_as_one(
    world: Shop, gql: GraphQLClient, settings: Settings
) -> None:
    garam: Product = world.product
    gql.token = token_for(world.buyer, settings)
    lines = [(garam, "0.001")] * 100  # the most an order may have
    variables = {"input": _gql_input(world.market, lines, "tiny")}
    variables["input"]["items"][0]["note"] = "yang halus"
    variables["input"]["items"][1]["note"] = "yang halus"
    variables["input"]["items"][2]["note"] = "dibungkus dua"
    payload = (await gql(PLACE, variables))["placeOrder"]
    assert payload["errors"] == []
    [part] = payload["order"]["stallOrders"]
    # One line of 0.1 kg at Rp 400/kg = Rp 40 (100 lines of Rp 0,4 each were Rp 0 before).
    assert part["items"] == [
        {"quantity": "0.1", "unitPrice": {"amount": 400}, "lineTotal": {"amount": 40},
         "note": "yang halus; dibungkus dua"},
    ]  # fmt: skip
    assert payload["order"]["subtotal"] == {"amount": 40}
    assert await OrderItem.all().count() == 1
    assert (await Product.get(id=garam.id)).stock == Decimal("99.900")


async def test_merged_lines_reach_the_wholesale_tier_and_the_stock_check(
    world: Shop, gql: GraphQLClient, settings: Settings
) -> None:
    garam: Product = world.product
    gql.token = token_for(world.buyer, settings)
    tiered = await gql(PLACE, {"input": _gql_input(world.market, [(garam, "0.3"), (garam, "0.3")], "tier")})
    [item] = tiered["placeOrder"]["order"]["stallOrders"][0]["items"]
    assert item["unitPrice"] == {"amount": 350} and item["lineTotal"] == {"amount": 210}  # 0.6 kg × Rp 350
    # Two lines each within the stock, together beyond it: the second line is named.
    too_much = _gql_input(world.market, [(garam, "60"), (garam, "60")], "stock")
    errors = (await gql(PLACE, {"input": too_much}))["placeOrder"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("input.items.1.quantity", "OUT_OF_STOCK")]
    assert await Order.all().count() == 1


async def test_an_order_has_at_most_max_order_lines(world: Shop, gql: GraphQLClient, settings: Settings) -> None:
    garam: Product = world.product
    gql.token = token_for(world.buyer, settings)
    variables = {"input": _gql_input(world.market, [(garam, "0.001")] * 101, "many")}
    for language, text in (
        ("id", "Satu pesanan paling banyak 100 baris barang; gabungkan barang yang sama."),
        ("en", "An order may have at most 100 lines; combine lines of the same product."),
    ):
        gql.language = language
        errors = (await gql(PLACE, variables))["placeOrder"]["errors"]
        assert errors == [{"field": "input.items", "code": "INVALID_INPUT", "message": text}]
    assert await Order.all().count() == 0
    assert (await Product.get(id=garam.id)).stock == Decimal("100")


async def test_a_cart_holds_at_most_max_order_lines_products(
    world: Shop, gql: GraphQLClient, settings: Settings
) -> None:
    stall, buyer = world.stall, world.buyer
    products = [world.product, *[await make_product(stall, min_quantity=Decimal("1"), quantity_step=Decimal("1"))
                                 for _ in range(99)]]  # fmt: skip
    await CartItem.bulk_create([CartItem(buyer=buyer, product=p, quantity=Decimal("1")) for p in products])
    gql.token = token_for(buyer, settings)
    extra = await make_product(stall, min_quantity=Decimal("1"), quantity_step=Decimal("1"))
    refused = (await gql(ADD, {"input": {"productId": to_base64("Product", extra.id), "quantity": "1"}}))["addToCart"]
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("input.productId", "INVALID_INPUT")]
    assert await CartItem.filter(buyer_id=buyer.id).count() == 100
    # More of a product already there is still one line.
    more = await gql(ADD, {"input": {"productId": to_base64("Product", products[1].id), "quantity": "2"}})
    assert more["addToCart"]["errors"] == []
    assert (await CartItem.get(buyer_id=buyer.id, product_id=products[1].id)).quantity == Decimal("3")

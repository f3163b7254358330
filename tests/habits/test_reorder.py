"""Reordering: an earlier order back in the cart at today's prices, each line that cannot be bought named."""

from decimal import Decimal

from strawberry.relay import to_base64

from src.models.accounts import Role
from src.models.catalog import Product, ProductStatus
from src.models.markets import Stall
from src.models.orders import CartItem, Order, PaymentMethod, SlotWindow
from src.services import habits
from src.services import orders as orders_service
from src.settings import Settings
from tests.factories import make_product, make_stall, make_user, token_for
from tests.support.database import snapshot
from tests.support.graphql import GraphQLClient
from tests.support.world import KM, Goods, Shop, World, make_shop, tomorrow

REORDER = """mutation($id: ID!) { reorder(input: {orderId: $id}) {
  cart { items { quantity note lineTotal { amount } product { name price { amount } } } subtotal { amount } }
  errors { field code message } } }"""
ADD = """mutation($id: ID!, $q: Decimal!) { addToCart(input: {productId: $id, quantity: $q}) { errors { code } } }"""
GOODS = [
    Goods("Cabai rawit", 60_000, stock="100", min_quantity="0.25", quantity_step="0.25"),
    Goods("Beras", 13_000, stock="100"),
    Goods("Telur", 28_000, stock="100"),
    Goods("Tempe", 5_000, stock="100"),
    Goods("Ikan tongkol", 38_000, stock="100"),
    Goods("Bawang merah", 40_000, stock="100", min_quantity="0.5", quantity_step="0.5"),
    Goods("Gula pasir", 17_000, stock="100"),
]


async def _ordered(shop: Shop, settings: Settings, quantities: list[str], note: str = "") -> Order:
    items = [orders_service.ItemInput(p.id, Decimal(q), note) for p, q in zip(shop.products, quantities, strict=True)]
    request = orders_service.OrderRequest(
        items=items,
        address=orders_service.AddressInput(line="Jl. Ijen 1", recipient_name="Bu", recipient_phone="0812-3456-7890",
                                            lat=float(shop.market.latitude) + KM, lng=float(shop.market.longitude)),
        slot=orders_service.SlotInput(date=tomorrow(), window=SlotWindow.AFTERNOON), payment_method=PaymentMethod.COD,
        note="", idempotency_key=f"r-{len(quantities)}-{note}",
    )  # fmt: skip
    return await orders_service.place_order(actor=shop.buyer, request=request, settings=settings)


async def test_what_is_still_listed_comes_back_at_todays_prices(
    clean_db: None, gql: GraphQLClient, settings: Settings
) -> None:
    shop = await make_shop(settings, goods=GOODS)
    order = await _ordered(shop, settings, ["1", "2", "1", "3", "4", "1.5", "1"], note="yang segar")
    await orders_service.cancel_order(actor=shop.buyer, order_id=order.id, reason="salah pilih")  # stock back
    cabai, beras, telur, tempe, ikan, bawang, gula = shop.products
    await Product.filter(id=cabai.id).update(price=65_000)  # today's price
    await Product.filter(id=beras.id).update(status=ProductStatus.ARCHIVED)
    await Product.filter(id=telur.id).update(status=ProductStatus.INACTIVE)
    await Stall.filter(id=tempe.stall_id).update(is_open=False)
    await Product.filter(id=ikan.id).update(stock=Decimal("3.5"))
    await Product.filter(id=bawang.id).update(min_quantity=Decimal("2"), quantity_step=Decimal("1"))
    await gula.delete()  # the item keeps its name; the product is gone
    gql.token = token_for(shop.buyer, settings)
    assert (await gql(ADD, {"id": to_base64("Product", cabai.id), "q": "0.5"}))["addToCart"]["errors"] == []

    answer = (await gql(REORDER, {"id": to_base64("Order", order.id)}))["reorder"]
    assert [(e["field"], e["code"], e["message"]) for e in answer["errors"]] == [
        ("items.1", "NOT_FOUND", "Beras tidak dijual lagi."),
        ("items.2", "NOT_FOUND", "Telur sedang tidak dijual."),
        ("items.3", "STALL_CLOSED", "Lapak penjual Tempe sedang tutup."),
        ("items.4", "OUT_OF_STOCK", "Stok Ikan tongkol tidak cukup (tersisa 3,5)."),
        (
            "items.5",
            "INVALID_INPUT",
            "Bawang merah: jumlah minimal 2, dengan kelipatan 1; ubah jumlahnya di keranjang.",
        ),
        ("items.6", "NOT_FOUND", "Gula pasir tidak dijual lagi."),
    ]
    # The cabai already in the cart and the cabai of the order, at today's price.
    assert answer["cart"]["items"] == [
        {"quantity": "1.5", "note": "yang segar", "lineTotal": {"amount": 97_500},
         "product": {"name": "Cabai rawit", "price": {"amount": 65_000}}},
    ]  # fmt: skip
    assert answer["cart"]["subtotal"] == {"amount": 97_500}
    assert await CartItem.filter(buyer_id=shop.buyer.id).count() == 1

    # Told in English when asked; and once the stall opens again, the tempe comes too.
    await Stall.filter(id=tempe.stall_id).update(is_open=True)
    gql.language = "en"
    again = (await gql(REORDER, {"id": to_base64("Order", order.id)}))["reorder"]
    assert again["errors"][0]["message"] == "Beras is no longer sold."
    assert {e["field"] for e in again["errors"]} == {"items.1", "items.2", "items.4", "items.5", "items.6"}
    assert [(i["product"]["name"], i["quantity"]) for i in again["cart"]["items"]] == [
        ("Cabai rawit", "2.5"),
        ("Tempe", "3"),
    ]


async def test_only_the_buyer_reorders_and_one_market_at_a_time(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    order = await world.order(ready=False)
    other = await make_user(Role.BUYER, name="Pembeli lain")
    elsewhere = await make_product(await make_stall(), name="Dari pasar lain")
    await orders_service.add_to_cart(actor=other, product_id=elsewhere.id, quantity=Decimal(1), note="")
    before = await snapshot()
    for intruder, code in (
        (other, "NOT_FOUND"),
        (world.trader, "PERMISSION_DENIED"),
        (world.admin, "PERMISSION_DENIED"),
    ):
        gql.token = token_for(intruder, settings)
        refused = (await gql(REORDER, {"id": to_base64("Order", order.id)}))["reorder"]
        assert refused["cart"] is None
        assert [e["code"] for e in refused["errors"]] == [code], intruder.role
    assert await snapshot() == before

    gql.token = token_for(world.buyer, settings)
    unknown = (await gql(REORDER, {"id": to_base64("Order", 999_999)}))["reorder"]
    assert [(e["field"], e["code"]) for e in unknown["errors"]] == [("input.orderId", "NOT_FOUND")]
    # The buyer's cart holds another market's goods: nothing is added, and they are told why.
    await orders_service.add_to_cart(actor=world.buyer, product_id=elsewhere.id, quantity=Decimal(1), note="")
    before = await snapshot()
    mixed = (await gql(REORDER, {"id": to_base64("Order", order.id)}))["reorder"]
    assert [(e["field"], e["code"]) for e in mixed["errors"]] == [("input.orderId", "DIFFERENT_MARKET")]
    assert mixed["cart"] is None
    assert await snapshot() == before


async def test_a_full_cart_names_the_lines_that_do_not_fit(world: World, settings: Settings) -> None:
    order = await world.order(ready=False)  # cabai rawit, then beras
    done = await habits.reorder(actor=world.buyer, order_id=order.id,
                                settings=settings.model_copy(update={"max_order_lines": 1}))  # fmt: skip
    assert done.added == [world.product.id]
    assert [(e.field, e.code.value, e.message_key) for e in done.left_out] == [
        ("items.1", "INVALID_INPUT", "REORDER_TOO_MANY_LINES")
    ]
    assert await CartItem.filter(buyer_id=world.buyer.id).values_list("product_id", flat=True) == [world.product.id]

"""Orders: placement (stock, money, fees, slots, payment, idempotency), traders' parts, cancelling, paying."""

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from strawberry.relay import to_base64
from tortoise.timezone import now

from src.models.accounts import Role, User
from src.models.catalog import PriceTier, Product
from src.models.markets import Market
from src.models.orders import (
    CartItem,
    Order,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    SlotWindow,
    StallOrder,
    StallOrderStatus,
)
from src.models.outbox import OutboxEvent
from src.services import orders as orders_service
from src.services.common import money
from src.services.common.errors import DomainError, DomainErrors, ErrorCode
from src.settings import Settings
from tests.factories import make_market, make_product, make_stall, make_user, token_for
from tests.support.graphql import GraphQLClient
from tests.support.world import BERAS_GROSIR, IKAN_TONGKOL, Shop, make_shop, tomorrow

ORDER_FIELDS = """order { id number status paymentStatus subtotal { amount } deliveryFee { amount } total { amount }
  stallOrders { id status subtotal { amount } items { id productName unitPrice { amount } quantity
  fulfilledQuantity lineTotal { amount } } } timeline { type actor } }"""
PLACE = (
    f"mutation($input: PlaceOrderInput!) {{ placeOrder(input: $input) {{ {ORDER_FIELDS} errors {{ field code }} }} }}"
)
ACCEPT = "mutation($id: ID!) { acceptStallOrder(input: {stallOrderId: $id}) { stallOrder { status } errors { code } } }"
READY = (
    "mutation($id: ID!) { markStallOrderReady(input: {stallOrderId: $id}) { stallOrder { status } errors { code } } }"
)
REJECT = """mutation($id: ID!, $reason: String!) { rejectStallOrder(input: {stallOrderId: $id, reason: $reason}) {
  stallOrder { status } errors { field code } } }"""
WEIGH = """mutation($id: ID!, $q: Decimal!) { setFulfilledQuantity(input: {orderItemId: $id, quantity: $q}) {
  orderItem { fulfilledQuantity lineTotal { amount } } errors { field code } } }"""
CANCEL = f"""mutation($id: ID!) {{ cancelOrder(input: {{orderId: $id, reason: "tidak jadi"}}) {{
  {ORDER_FIELDS} errors {{ code }} }} }}"""
CONFIRM = f"mutation($id: ID!) {{ confirmPayment(input: {{orderId: $id}}) {{ {ORDER_FIELDS} errors {{ code }} }} }}"
ORDER = f"query($id: ID!) {{ order(id: $id) {ORDER_FIELDS.removeprefix('order ')} }}"
ADD = """mutation($input: CartItemInput!) { addToCart(input: $input) {
  cart { items { quantity lineTotal { amount } } subtotal { amount } } errors { field code } } }"""
CART = "{ cart { items { quantity product { name } } subtotal { amount } market { name } } }"


def _address(market: Market, km_north: float = 1.0) -> orders_service.AddressInput:
    return orders_service.AddressInput(
        line="Jl. Kawi No. 1", recipient_name="Bu Sri", recipient_phone="0812-3456-7890",
        lat=float(market.latitude) + km_north / 111.0, lng=float(market.longitude),
    )  # fmt: skip


def _request(
    market: Market,
    items: list[tuple[Product, str]] | None,
    *,
    key: str = "k1",
    method: PaymentMethod = PaymentMethod.COD,
) -> orders_service.OrderRequest:
    return orders_service.OrderRequest(
        items=[orders_service.ItemInput(p.id, Decimal(q)) for p, q in items] if items is not None else None,
        address=_address(market),
        slot=orders_service.SlotInput(date=tomorrow(), window=SlotWindow.AFTERNOON),
        payment_method=method,
        note="",
        idempotency_key=key,
    )


def _gql_input(market: Market, items: list[tuple[Product, str]], key: str, **extra: Any) -> dict[str, Any]:
    return {
        "items": [{"productId": to_base64("Product", p.id), "quantity": q} for p, q in items],
        "address": {
            "line": "Jl. Kawi No. 1", "recipientName": "Bu Sri", "recipientPhone": "0812-3456-7890",
            "location": {"lat": float(market.latitude) + 1 / 111.0, "lng": float(market.longitude)},
        },
        "deliverySlot": {"date": tomorrow().isoformat(), "window": "AFTERNOON"},
        "paymentMethod": "COD",
        "idempotencyKey": key,
        **extra,
    }  # fmt: skip


async def _codes(coro: Any) -> list[tuple[str | None, ErrorCode]]:
    try:
        await coro
    except DomainErrors as exc:
        return [(e.field, e.code) for e in exc.errors]
    except DomainError as exc:
        return [(exc.field, exc.code)]
    raise AssertionError("no error")


@pytest.fixture
async def world(clean_db: None, settings: Settings) -> Shop:
    """Two stalls: `product` is weighed ikan tongkol (10 kg in stock), `second_product` beras (100 kg, cheaper per kg
    from 10 and from 25 kg)."""
    return await make_shop(settings, goods=(IKAN_TONGKOL, BERAS_GROSIR))


def test_money_rules() -> None:
    assert money.line_total(Decimal("0.35"), 38000) == 13300
    assert money.line_total(Decimal("0.333"), 1000) == 333
    assert money.line_total(Decimal("0.0005"), 1000) == 1  # halves up
    assert money.delivery_fee(base=5000, per_km=2000, distance_km=Decimal("1.1")) == 7000  # 7,200 → nearest 500
    assert money.delivery_fee(base=5000, per_km=2000, distance_km=Decimal("1.125")) == 7500  # 7,250 → halves up
    assert money.rupiah(13300) == "Rp 13.300"


async def test_an_order_splits_per_stall_applies_tiers_and_snapshots(world: Shop, settings: Settings) -> None:
    order = await orders_service.place_order(
        actor=world.buyer, request=_request(world.market, [(world.product, "0.35"), (world.second_product, "10")]),
        settings=settings,
    )  # fmt: skip
    assert order.status == OrderStatus.PLACED and order.number.startswith("PSR-")
    parts = await StallOrder.filter(order_id=order.id).order_by("id")
    assert [p.subtotal for p in parts] == [13300, 128000]  # 0.35 kg × 38.000; 10 kg at the tier price 12.800
    assert order.subtotal == 141300
    assert order.delivery_fee == money.delivery_fee(base=5000, per_km=2000, distance_km=order.distance_km)
    assert order.total == order.subtotal + order.delivery_fee
    items = await OrderItem.filter(stall_order__order_id=order.id).order_by("id")
    assert [(i.product_name, i.unit, i.unit_price) for i in items] == [
        ("Ikan tongkol", "KG", 38000),
        ("Beras", "KG", 12800),
    ]
    assert (await Product.get(id=world.product.id)).stock == Decimal("9.65")
    placed = await OutboxEvent.get(topic="order.placed")
    # The event's copy of the order, made from the rows as they were written, is the order as stored.
    stored = await orders_service.snapshot(await Order.get(id=order.id))
    assert placed.payload["order"] == stored
    assert [(p["stall"], p["items"]) for p in stored["parts"]] == [
        (world.stall.name, [["Ikan tongkol", "0.35", "KG"]]),
        (world.second_stall.name, [["Beras", "10", "KG"]]),
    ]


async def test_every_bad_item_is_named_and_nothing_changes(world: Shop, settings: Settings) -> None:
    other_market_product = await make_product(await make_stall(), name="Lain")
    request = _request(
        world.market,
        [(world.product, "0.3"), (world.product, "0.27"), (world.second_product, "1000"), (other_market_product, "1")],
    )
    codes = await _codes(orders_service.place_order(actor=world.buyer, request=request, settings=settings))
    assert codes == [
        ("items.1.quantity", ErrorCode.INVALID_INPUT),  # not on the 0.05 step
        ("items.2.quantity", ErrorCode.OUT_OF_STOCK),
        ("items.3.productId", ErrorCode.DIFFERENT_MARKET),
    ]
    assert await Order.all().count() == 0
    assert (await Product.get(id=world.second_product.id)).stock == Decimal("100")


async def test_address_slot_and_payment_rules(world: Shop, settings: Settings) -> None:
    market, buyer, items = world.market, world.buyer, [(world.second_product, "1")]
    far = _request(market, items)
    far = orders_service.OrderRequest(**{**far.__dict__, "address": _address(market, km_north=30)})
    assert await _codes(orders_service.place_order(actor=buyer, request=far, settings=settings)) == [
        ("address.location", ErrorCode.OUT_OF_DELIVERY_AREA)
    ]
    gone = orders_service.SlotInput(tomorrow() - timedelta(days=2), SlotWindow.MORNING)
    past = orders_service.OrderRequest(**{**_request(market, items).__dict__, "slot": gone})
    assert (await _codes(orders_service.place_order(actor=buyer, request=past, settings=settings)))[0][1] == (
        ErrorCode.SLOT_UNAVAILABLE
    )
    capped = settings.model_copy(update={"cod_max_total": 10000})
    assert await _codes(orders_service.place_order(actor=buyer, request=_request(market, items), settings=capped)) == [
        ("paymentMethod", ErrorCode.COD_LIMIT)
    ]
    full = settings.model_copy(update={"slot_capacity": 1})
    await orders_service.place_order(actor=buyer, request=_request(market, items, key="first"), settings=full)
    assert await _codes(
        orders_service.place_order(actor=await make_user(), request=_request(market, items), settings=full)
    ) == [("deliverySlot.window", ErrorCode.SLOT_FULL)]


async def test_idempotency_key_replays_and_refuses_a_different_request(world: Shop, settings: Settings) -> None:
    request = _request(world.market, [(world.second_product, "2")], key="same")
    first = await orders_service.place_order(actor=world.buyer, request=request, settings=settings)
    again = await orders_service.place_order(actor=world.buyer, request=request, settings=settings)
    assert again.id == first.id
    different = _request(world.market, [(world.second_product, "3")], key="same")
    assert await _codes(orders_service.place_order(actor=world.buyer, request=different, settings=settings)) == [
        ("idempotencyKey", ErrorCode.IDEMPOTENCY_KEY_REUSED)
    ]
    assert (await Product.get(id=world.second_product.id)).stock == Decimal("98")


async def test_a_hundred_buyers_race_for_ten_units(world: Shop, settings: Settings) -> None:
    product = await make_product(world.stall, name="Cabai", stock=Decimal("10"), min_quantity=Decimal("1"),
                                 quantity_step=Decimal("1"))  # fmt: skip
    buyers = [await make_user() for _ in range(100)]

    async def buy(buyer: User) -> str:
        try:
            await orders_service.place_order(
                actor=buyer, request=_request(world.market, [(product, "1")], key=f"k-{buyer.id}"), settings=settings
            )
        except DomainErrors as exc:
            return exc.errors[0].code.value
        except DomainError as exc:
            return exc.code.value
        return "ORDER"

    outcomes = await asyncio.gather(*(buy(b) for b in buyers))
    assert outcomes.count("ORDER") == 10
    assert outcomes.count("OUT_OF_STOCK") == 90
    assert (await Product.get(id=product.id)).stock == 0
    assert await Order.filter(stall_orders__items__product_id=product.id).count() == 10


async def test_fifty_racing_requests_with_one_key_make_one_order(world: Shop, settings: Settings) -> None:
    request = _request(world.market, [(world.second_product, "1")], key="retry-storm")
    orders = await asyncio.gather(
        *(orders_service.place_order(actor=world.buyer, request=request, settings=settings) for _ in range(50))
    )
    assert len({o.id for o in orders}) == 1
    assert await Order.all().count() == 1
    assert (await Product.get(id=world.second_product.id)).stock == Decimal("99")


async def test_traders_accept_weigh_ready_and_the_order_is_ready_for_pickup(
    world: Shop, gql: GraphQLClient, settings: Settings
) -> None:
    market = world.market
    gql.token = token_for(world.buyer, settings)
    placed = await gql(
        PLACE, {"input": _gql_input(market, [(world.product, "0.35"), (world.second_product, "1")], "k")}
    )
    order = placed["placeOrder"]["order"]
    assert placed["placeOrder"]["errors"] == [] and order["status"] == "PLACED"
    part_a, part_b = order["stallOrders"]
    trader_a, trader_b = world.trader, world.second_trader

    gql.token = token_for(trader_a, settings)
    assert (await gql(ACCEPT, {"id": part_a["id"]}))["acceptStallOrder"]["stallOrder"]["status"] == "ACCEPTED"
    item = part_a["items"][0]
    too_much = (await gql(WEIGH, {"id": item["id"], "q": "0.40"}))["setFulfilledQuantity"]
    assert too_much["errors"] == [{"field": "input.quantity", "code": "INVALID_INPUT"}]  # beyond ±10 %
    weighed = (await gql(WEIGH, {"id": item["id"], "q": "0.37"}))["setFulfilledQuantity"]
    assert weighed["orderItem"] == {"fulfilledQuantity": "0.37", "lineTotal": {"amount": 14060}}
    assert (await gql(READY, {"id": part_a["id"]}))["markStallOrderReady"]["stallOrder"]["status"] == "READY"

    gql.token = token_for(trader_b, settings)
    await gql(ACCEPT, {"id": part_b["id"]})
    await gql(READY, {"id": part_b["id"]})

    gql.token = token_for(world.buyer, settings)
    final = (await gql(ORDER, {"id": order["id"]}))["order"]
    assert final["status"] == "READY_FOR_PICKUP"
    assert final["subtotal"]["amount"] == 14060 + 13300
    assert final["total"]["amount"] == final["subtotal"]["amount"] + final["deliveryFee"]["amount"]
    assert final["timeline"][0]["type"] == "PLACED"
    assert (await Product.get(id=world.product.id)).stock == Decimal("9.63")  # 10 − 0.37 weighed out


async def test_rejections_recompute_and_cancel_when_nothing_is_left(world: Shop, settings: Settings) -> None:
    order = await orders_service.place_order(
        actor=world.buyer, request=_request(world.market, [(world.product, "1"), (world.second_product, "2")]),
        settings=settings,
    )  # fmt: skip
    part_a, part_b = await StallOrder.filter(order_id=order.id).order_by("id")
    trader_a, trader_b = world.trader, world.second_trader
    await orders_service.reject_stall_order(actor=trader_a, stall_order_id=part_a.id, reason="Ikan habis")
    order = await Order.get(id=order.id)
    assert (order.status, order.subtotal) == (OrderStatus.PLACED, 26600)
    assert (await Product.get(id=world.product.id)).stock == Decimal("10")

    await orders_service.reject_stall_order(actor=trader_b, stall_order_id=part_b.id, reason="Tutup")
    order = await Order.get(id=order.id)
    assert (order.status, order.payment_status, order.subtotal) == (OrderStatus.CANCELLED, PaymentStatus.VOID, 0)
    assert (await Product.get(id=world.second_product.id)).stock == Decimal("100")


async def test_transitions_outside_the_table_are_refused(world: Shop, settings: Settings) -> None:
    order = await orders_service.place_order(
        actor=world.buyer, request=_request(world.market, [(world.second_product, "1")]), settings=settings
    )
    part = await StallOrder.get(order_id=order.id)
    trader = world.second_trader
    assert await _codes(orders_service.mark_stall_order_ready(actor=trader, stall_order_id=part.id)) == [
        (None, ErrorCode.INVALID_STATE)  # not accepted yet
    ]
    admin = await make_user(Role.MARKET_ADMIN, market=world.market)
    assert await _codes(orders_service.confirm_payment(actor=admin, order_id=order.id)) == [
        (None, ErrorCode.INVALID_STATE)  # COD: nothing to confirm
    ]
    await orders_service.cancel_order(actor=world.buyer, order_id=order.id, reason="batal")
    assert await _codes(orders_service.accept_stall_order(actor=trader, stall_order_id=part.id)) == [
        (None, ErrorCode.INVALID_STATE)
    ]
    assert await _codes(orders_service.cancel_order(actor=admin, order_id=order.id, reason="lagi")) == [
        (None, ErrorCode.INVALID_STATE)
    ]
    for status in OrderStatus:
        for target in OrderStatus:
            probe = Order(status=status)
            if (status, target) in orders_service.ORDER_TRANSITIONS:
                orders_service.move_order(probe, target)
                assert probe.status == target
            else:
                with pytest.raises(DomainError):
                    orders_service.move_order(probe, target)


async def test_transfer_orders_wait_for_payment_and_expire(world: Shop, settings: Settings) -> None:
    buyer, market, beras = world.buyer, world.market, world.second_product
    paid = await orders_service.place_order(
        actor=buyer, request=_request(market, [(beras, "3")], key="a", method=PaymentMethod.QRIS),
        settings=settings,
    )  # fmt: skip
    unpaid = await orders_service.place_order(
        actor=buyer, request=_request(market, [(beras, "4")], key="b", method=PaymentMethod.BANK_TRANSFER),
        settings=settings,
    )  # fmt: skip
    assert paid.status == unpaid.status == OrderStatus.AWAITING_PAYMENT
    admin = await make_user(Role.MARKET_ADMIN, market=market)
    confirmed = await orders_service.confirm_payment(actor=admin, order_id=paid.id)
    assert (confirmed.status, confirmed.payment_status) == (OrderStatus.PLACED, PaymentStatus.PAID)

    await Order.filter(id=unpaid.id).update(payment_due_at=now() - timedelta(minutes=1))
    assert await orders_service.expire_unpaid_orders() == 1
    assert (await Order.get(id=unpaid.id)).status == OrderStatus.CANCELLED
    assert (await Order.get(id=paid.id)).status == OrderStatus.PLACED
    assert (await Product.get(id=world.second_product.id)).stock == Decimal("97")  # only the paid order's 3 kg are gone


async def test_who_may_see_and_change_an_order(world: Shop, gql: GraphQLClient, settings: Settings) -> None:
    market = world.market
    gql.token = token_for(world.buyer, settings)
    order = (await gql(PLACE, {"input": _gql_input(market, [(world.product, "1"), (world.second_product, "1")], "v")}))[
        "placeOrder"
    ]["order"]
    trader_a = world.trader

    gql.token = token_for(trader_a, settings)
    seen = (await gql(ORDER, {"id": order["id"]}))["order"]
    assert [p["id"] for p in seen["stallOrders"]] == [order["stallOrders"][0]["id"]]  # their own part only
    assert seen["subtotal"] == order["stallOrders"][0]["subtotal"]  # their part's money, not the order's
    assert (seen["total"], seen["deliveryFee"]) == (None, None)
    address = await gql("query($id: ID!) { order(id: $id) { address { line recipientPhone } } }", {"id": order["id"]})
    assert address == {"order": {"address": None}}
    other_part = order["stallOrders"][1]["id"]
    assert (await gql(ACCEPT, {"id": other_part}))["acceptStallOrder"]["errors"] == [{"code": "PERMISSION_DENIED"}]
    assert (await gql(CANCEL, {"id": order["id"]}))["cancelOrder"]["errors"] == [{"code": "PERMISSION_DENIED"}]

    outsiders = [
        await make_user(),
        await make_user(Role.TRADER),
        await make_user(Role.COURIER, market=market),
        await make_user(Role.MARKET_ADMIN, market=await make_market()),
    ]
    for outsider in outsiders:
        gql.token = token_for(outsider, settings)
        assert (await gql(ORDER, {"id": order["id"]}))["order"] is None, outsider.role
        assert (await gql(CONFIRM, {"id": order["id"]}))["confirmPayment"]["errors"][0]["code"] in (
            "PERMISSION_DENIED"
        ), outsider.role
        assert (await gql(CANCEL, {"id": order["id"]}))["cancelOrder"]["errors"] == [{"code": "PERMISSION_DENIED"}]

    gql.token = token_for(await make_user(Role.MARKET_ADMIN, market=market), settings)
    assert (await gql(ORDER, {"id": order["id"]}))["order"]["number"] == order["number"]
    cancelled = (await gql(CANCEL, {"id": order["id"]}))["cancelOrder"]["order"]
    assert cancelled["status"] == "CANCELLED"
    assert (await Product.get(id=world.product.id)).stock == Decimal("10")


async def test_cart_is_one_market_and_becomes_the_order(world: Shop, gql: GraphQLClient, settings: Settings) -> None:
    gql.token = token_for(world.buyer, settings)
    added = await gql(ADD, {"input": {"productId": to_base64("Product", world.second_product.id), "quantity": "10"}})
    assert added["addToCart"]["cart"]["subtotal"] == {"amount": 128000}  # the 10 kg tier
    elsewhere = await make_product(await make_stall(), name="Lain")
    refused = await gql(ADD, {"input": {"productId": to_base64("Product", elsewhere.id), "quantity": "1"}})
    assert refused["addToCart"]["errors"] == [{"field": "input.productId", "code": "DIFFERENT_MARKET"}]
    cart = (await gql(CART))["cart"]
    assert cart["market"]["name"] == world.market.name and len(cart["items"]) == 1

    from_cart = _gql_input(world.market, [], "cart-order")
    del from_cart["items"]
    placed = (await gql(PLACE, {"input": from_cart}))["placeOrder"]
    assert placed["errors"] == [] and placed["order"]["subtotal"] == {"amount": 128000}
    assert (await gql(CART))["cart"]["items"] == []
    assert await PriceTier.all().count() == 2


async def test_add_to_cart_answers_the_cart_as_stored(world: Shop, gql: GraphQLClient, settings: Settings) -> None:
    gql.token = token_for(world.buyer, settings)
    beras, ikan = (to_base64("Product", product.id) for product in (world.second_product, world.product))
    answers = [
        (await gql(ADD, {"input": {"productId": product, "quantity": quantity}}))["addToCart"]
        for product, quantity in ((beras, "4"), (ikan, "0.5"), (beras, "6"), (ikan, "0.05"))
    ]
    assert all(answer["errors"] == [] for answer in answers)
    # The last answer: beras 10 kg at the 10 kg tier, then ikan 0.55 kg, in the order they were first added.
    assert answers[-1]["cart"] == {
        "items": [
            {"quantity": "10", "lineTotal": {"amount": 128000}},
            {"quantity": "0.55", "lineTotal": {"amount": 20900}},
        ],
        "subtotal": {"amount": 148900},
    }
    stored = (await gql(CART))["cart"]
    assert [item["quantity"] for item in stored["items"]] == ["10", "0.55"]
    assert stored["subtotal"] == answers[-1]["cart"]["subtotal"]


async def test_adds_racing_from_several_devices_all_count(world: Shop, gql: GraphQLClient, settings: Settings) -> None:
    gql.token = token_for(world.buyer, settings)
    beras = to_base64("Product", world.second_product.id)
    answers = await asyncio.gather(
        *(gql(ADD, {"input": {"productId": beras, "quantity": "1", "note": f"hp {n}"}}) for n in range(8))
    )
    assert [answer["addToCart"]["errors"] for answer in answers] == [[]] * 8
    stored = await CartItem.get(buyer_id=world.buyer.id, product_id=world.second_product.id)
    assert stored.quantity == Decimal("8")


async def test_only_buyers_place_orders(world: Shop, gql: GraphQLClient, settings: Settings) -> None:
    for role in (Role.TRADER, Role.COURIER, Role.MARKET_ADMIN):
        gql.token = token_for(await make_user(role), settings)
        payload = (await gql(PLACE, {"input": _gql_input(world.market, [(world.second_product, "1")], "x")}))[
            "placeOrder"
        ]
        assert payload["errors"] == [{"field": None, "code": "PERMISSION_DENIED"}]
    assert await Order.all().count() == 0


MY_ORDERS = """query($first: Int, $after: String, $status: OrderStatus) {
  myOrders(first: $first, after: $after, status: $status) {
    edges { node { number status } } pageInfo { hasNextPage endCursor } } }"""
STALL_ORDERS = """query($status: StallOrderStatus) {
  stallOrders(status: $status) { edges { node { status items { productName } order { number } } } } }"""


async def test_buyers_and_traders_list_their_own(world: Shop, gql: GraphQLClient, settings: Settings) -> None:
    for key in ("a", "b", "c"):
        await orders_service.place_order(
            actor=world.buyer, request=_request(world.market, [(world.second_product, "1")], key=key), settings=settings
        )
    other = await orders_service.place_order(
        actor=await make_user(), request=_request(world.market, [(world.product, "1")], key="z"), settings=settings
    )
    await orders_service.cancel_order(
        actor=world.buyer, order_id=(await Order.filter(buyer_id=world.buyer.id).first()).id, reason="x"
    )  # type: ignore[union-attr]

    gql.token = token_for(world.buyer, settings)
    page = (await gql(MY_ORDERS, {"first": 2}))["myOrders"]
    assert len(page["edges"]) == 2 and page["pageInfo"]["hasNextPage"] is True
    rest = (await gql(MY_ORDERS, {"first": 2, "after": page["pageInfo"]["endCursor"]}))["myOrders"]
    numbers = [e["node"]["number"] for e in page["edges"] + rest["edges"]]
    assert len(set(numbers)) == 3 and other.number not in numbers
    cancelled = (await gql(MY_ORDERS, {"status": "CANCELLED"}))["myOrders"]["edges"]
    assert [e["node"]["status"] for e in cancelled] == ["CANCELLED"]

    gql.token = token_for(world.second_trader, settings)
    parts = (await gql(STALL_ORDERS, {"status": "PENDING"}))["stallOrders"]["edges"]
    assert len(parts) == 2 and {p["node"]["items"][0]["productName"] for p in parts} == {"Beras"}
    gql.token = token_for(world.buyer, settings)
    assert (await gql.errors(STALL_ORDERS, {}))[0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_the_first_orders_of_a_day_racing_get_distinct_numbers(world: Shop, settings: Settings) -> None:
    products = [
        await make_product(world.stall, name=f"Sayur {i}", min_quantity=Decimal("1"), quantity_step=Decimal("1"))
        for i in range(20)
    ]
    buyers = [await make_user() for _ in products]
    orders = await asyncio.gather(
        *(
            orders_service.place_order(
                actor=buyer, request=_request(world.market, [(product, "1")], key="first"), settings=settings
            )
            for buyer, product in zip(buyers, products, strict=True)
        )
    )
    numbers = sorted(o.number for o in orders)
    assert len(set(numbers)) == 20
    tails = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert tails == list(range(tails[0], tails[0] + 20))  # a running number (the day's on SQLite), no gaps
    assert all(n.startswith(f"PSR-{orders_service._order_day():%Y%m%d}-") for n in numbers)


async def test_twins_racing_for_the_last_unit_both_get_the_order(world: Shop, settings: Settings) -> None:
    last = await make_product(world.stall, name="Terakhir", stock=Decimal("1"), min_quantity=Decimal("1"),
                              quantity_step=Decimal("1"))  # fmt: skip
    request = _request(world.market, [(last, "1")], key="twin")
    orders = await asyncio.gather(
        *(orders_service.place_order(actor=world.buyer, request=request, settings=settings) for _ in range(10))
    )
    assert len({o.id for o in orders}) == 1  # no OUT_OF_STOCK for the retries: they get their order
    assert (await Product.get(id=last.id)).stock == 0


async def test_retrying_an_order_from_the_cart_gets_the_same_order(world: Shop, settings: Settings) -> None:
    await orders_service.add_to_cart(
        actor=world.buyer, product_id=world.second_product.id, quantity=Decimal("2"), note=""
    )
    request = _request(world.market, None, key="from-cart")
    first = await orders_service.place_order(actor=world.buyer, request=request, settings=settings)
    again = await orders_service.place_order(actor=world.buyer, request=request, settings=settings)  # cart now empty
    assert again.id == first.id


async def test_weighing_out_more_than_the_stock_is_refused(world: Shop, settings: Settings) -> None:
    await Product.filter(id=world.product.id).update(stock=Decimal("1"))
    order = await orders_service.place_order(
        actor=world.buyer, request=_request(world.market, [(world.product, "1")]), settings=settings
    )
    part = await StallOrder.get(order_id=order.id)
    trader = world.trader
    await orders_service.accept_stall_order(actor=trader, stall_order_id=part.id)
    item = await OrderItem.get(stall_order_id=part.id)
    assert await _codes(
        orders_service.set_fulfilled_quantity(
            actor=trader, order_item_id=item.id, quantity=Decimal("1.05"), settings=settings
        )
    ) == [("quantity", ErrorCode.OUT_OF_STOCK)]
    await orders_service.cancel_order(actor=world.buyer, order_id=order.id, reason="batal")
    assert (await Product.get(id=world.product.id)).stock == Decimal("1")  # exactly what there was


async def test_a_full_slot_stays_full_when_buyers_race(world: Shop, settings: Settings) -> None:
    one_place = settings.model_copy(update={"slot_capacity": 1})
    products = [
        await make_product(world.stall, name=f"Slot {i}", min_quantity=Decimal("1"), quantity_step=Decimal("1"))
        for i in range(8)
    ]
    buyers = [await make_user() for _ in products]

    async def place(buyer: User, product: Product) -> str:
        try:
            await orders_service.place_order(
                actor=buyer, request=_request(world.market, [(product, "1")], key="slot"), settings=one_place
            )
        except (DomainError, DomainErrors):
            return "REFUSED"
        return "ORDER"

    outcomes = await asyncio.gather(*(place(b, p) for b, p in zip(buyers, products, strict=True)))
    assert outcomes.count("ORDER") == 1


async def test_expiry_never_cancels_a_paid_order(world: Shop, settings: Settings) -> None:
    order = await orders_service.place_order(
        actor=world.buyer, request=_request(world.market, [(world.second_product, "1")], method=PaymentMethod.QRIS),
        settings=settings,
    )  # fmt: skip
    await Order.filter(id=order.id).update(payment_due_at=now() - timedelta(minutes=5))
    admin = await make_user(Role.MARKET_ADMIN, market=world.market)
    await orders_service.confirm_payment(actor=admin, order_id=order.id)  # paid just before the job ran
    assert await orders_service.expire_unpaid_orders() == 0
    assert await _codes(
        orders_service._cancel(order.id, None, "PAYMENT_EXPIRED", allowed={OrderStatus.AWAITING_PAYMENT})
    ) == [(None, ErrorCode.INVALID_STATE)]
    assert (await Order.get(id=order.id)).status == OrderStatus.PLACED


async def test_the_stall_order_table_and_other_traders(world: Shop, settings: Settings) -> None:
    for status in StallOrderStatus:
        for target in StallOrderStatus:
            probe = StallOrder(status=status)
            if (status, target) in orders_service.STALL_ORDER_TRANSITIONS:
                orders_service.move_stall_order(probe, target)
                assert probe.status == target
            else:
                with pytest.raises(DomainError):
                    orders_service.move_stall_order(probe, target)
    order = await orders_service.place_order(
        actor=world.buyer, request=_request(world.market, [(world.product, "1")]), settings=settings
    )
    part = await StallOrder.get(order_id=order.id)
    item = await OrderItem.get(stall_order_id=part.id)
    for outsider in (world.second_trader, world.buyer, await make_user(Role.MARKET_ADMIN)):
        assert await _codes(orders_service.reject_stall_order(actor=outsider, stall_order_id=part.id, reason="x")) == [
            (None, ErrorCode.PERMISSION_DENIED)
        ]
        assert await _codes(orders_service.mark_stall_order_ready(actor=outsider, stall_order_id=part.id)) == [
            (None, ErrorCode.PERMISSION_DENIED)
        ]
        assert await _codes(
            orders_service.set_fulfilled_quantity(
                actor=outsider, order_item_id=item.id, quantity=Decimal("1"), settings=settings
            )
        ) == [(None, ErrorCode.PERMISSION_DENIED)]
    assert (await StallOrder.get(id=part.id)).status == StallOrderStatus.PENDING


async def test_my_orders_costs_the_same_queries_for_one_order_or_many(
    world: Shop, gql: GraphQLClient, settings: Settings
) -> None:
    from tests.support.queries import count_queries

    query = """{ myOrders(first: 20) { edges { node { number status total { amount }
      stallOrders { status stall { name } items { productName quantity } } timeline { type actor }
      delivery { status } } } } }"""
    gql.token = token_for(world.buyer, settings)

    async def place(key: str) -> None:
        await orders_service.place_order(
            actor=world.buyer, request=_request(world.market, [(world.second_product, "1"), (world.product, "0.5")],
                                                  key=key), settings=settings,
        )  # fmt: skip

    await place("one")
    await gql(query)  # the first request also reads the user: warm like the later ones
    with count_queries() as one:
        first = (await gql(query))["myOrders"]["edges"]
    for n in range(5):
        await place(f"more-{n}")
    with count_queries() as six:
        page = (await gql(query))["myOrders"]["edges"]
    assert len(first) == 1 and len(page) == 6
    assert page[-1]["node"]["stallOrders"][0]["items"] and page[-1]["node"]["timeline"][0]["type"] == "PLACED"
    assert six.count == one.count, (one.queries, six.queries)

"""The trader's picking list: what to prepare for a slot, product by product, each order under it."""

from collections import defaultdict
from decimal import Decimal

from src.models.accounts import Role
from src.models.orders import Order, PaymentMethod, SlotWindow, StallOrder
from src.services import orders as orders_service
from src.settings import Settings
from tests.factories import make_market, make_product, make_stall, make_user, token_for
from tests.support.graphql import GraphQLClient
from tests.support.queries import count_queries
from tests.support.world import KM, tomorrow

PICKING = """query($date: Date!, $window: SlotWindow) { pickingList(date: $date, window: $window) {
  lines { productName unit totalQuantity isWeighed product { name stock }
    orders { number window quantity weighedQuantity note } } } }"""


def _quantity(order: int, product: int) -> Decimal:
    """What order `order` asks of product `product` (0: nothing): a pattern a hand can follow."""
    return Decimal((order + product) % 4) / 2  # 0, 0.5, 1 or 1.5


async def test_thirty_orders_of_twenty_products_add_up_in_constant_queries(
    gql: GraphQLClient, settings: Settings
) -> None:
    market = await make_market()
    stall = await make_stall(market=market)
    half = {"min_quantity": Decimal("0.5"), "quantity_step": Decimal("0.5"), "stock": Decimal(1000)}
    products = [await make_product(stall, name=f"Produk {p:02d}", price=10_000, **half) for p in range(20)]
    other_stall = await make_stall(market=market)  # another trader's goods never show
    foreign = await make_product(other_stall, name="Lain", price=5_000)
    token = token_for(await stall.trader, settings)
    expected: dict[str, Decimal] = defaultdict(Decimal)
    expected_orders: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    counts = []
    for n in range(30):
        buyer = await make_user(name=f"Pembeli {n}")
        items = [orders_service.ItemInput(p.id, _quantity(n, k), f"catatan {n}" if k == n % 20 else "")
                 for k, p in enumerate(products) if _quantity(n, k) > 0]  # fmt: skip
        items.append(orders_service.ItemInput(foreign.id, Decimal(1)))
        window = SlotWindow.AFTERNOON if n % 5 else SlotWindow.MIDDAY
        request = orders_service.OrderRequest(
            items=items,
            address=orders_service.AddressInput(line="Jl. Ijen", recipient_name="Bu", recipient_phone="0812-3456-7890",
                                                lat=float(market.latitude) + KM, lng=float(market.longitude)),
            slot=orders_service.SlotInput(date=tomorrow(), window=window), payment_method=PaymentMethod.COD,
            note="", idempotency_key=f"p-{n}",
        )  # fmt: skip
        order = await orders_service.place_order(actor=buyer, request=request, settings=settings)
        for item in items[:-1]:
            name = next(p.name for p in products if p.id == item.product_id)
            expected[name] += item.quantity
            expected_orders[name].append((order.number, str(item.quantity.normalize()), item.note))
        if n in (0, 29):
            with count_queries() as counter:
                data = await gql(PICKING, {"date": tomorrow().isoformat()}, token=token)
            counts.append(counter.count)
    assert counts[0] == counts[1], counts
    lines = data["pickingList"]["lines"]
    assert [line["productName"] for line in lines] == sorted(expected)  # by name; the other stall's "Lain" absent
    for line in lines:
        assert Decimal(line["totalQuantity"]) == expected[line["productName"]]
        got = [(o["number"], o["quantity"], o["note"]) for o in line["orders"]]
        assert got == sorted(expected_orders[line["productName"]])
        assert line["unit"] == "KG" and line["isWeighed"] is False and line["product"]["name"] == line["productName"]
    # One window: only its orders (every fifth order is for MIDDAY).
    midday = (await gql(PICKING, {"date": tomorrow().isoformat(), "window": "MIDDAY"}, token=token))["pickingList"]
    numbers = {o["number"] for line in midday["lines"] for o in line["orders"]}
    assert numbers == set(await Order.filter(slot_window=SlotWindow.MIDDAY).values_list("number", flat=True))
    assert len(numbers) == 6


async def test_unpaid_cancelled_and_rejected_work_is_not_on_the_list(gql: GraphQLClient, settings: Settings) -> None:
    market = await make_market()
    stall = await make_stall(market=market)
    trader = await stall.trader
    product = await make_product(stall, name="Tempe", price=5_000)
    buyer = await make_user()

    async def place(key: str, method: PaymentMethod = PaymentMethod.COD) -> Order:
        request = orders_service.OrderRequest(
            items=[orders_service.ItemInput(product.id, Decimal(2))],
            address=orders_service.AddressInput(line="Jl. Ijen", recipient_name="Bu", recipient_phone="0812-3456-7890",
                                                lat=float(market.latitude) + KM, lng=float(market.longitude)),
            slot=orders_service.SlotInput(date=tomorrow(), window=SlotWindow.AFTERNOON), payment_method=method,
            note="", idempotency_key=key,
        )  # fmt: skip
        return await orders_service.place_order(actor=buyer, request=request, settings=settings)

    kept = await place("kept")
    await place("unpaid", PaymentMethod.BANK_TRANSFER)
    cancelled = await place("cancelled")
    await orders_service.cancel_order(actor=buyer, order_id=cancelled.id, reason="batal")
    rejected = await place("rejected")
    part = await StallOrder.get(order_id=rejected.id)
    await orders_service.reject_stall_order(actor=trader, stall_order_id=part.id, reason="habis")
    data = await gql(PICKING, {"date": tomorrow().isoformat()}, token=token_for(trader, settings))
    [line] = data["pickingList"]["lines"]
    assert [o["number"] for o in line["orders"]] == [kept.number] and line["totalQuantity"] == "2"


async def test_only_a_trader_has_a_picking_list(gql: GraphQLClient, settings: Settings) -> None:
    for role in (Role.BUYER, Role.COURIER, Role.MARKET_ADMIN):
        errors = await gql.errors(
            PICKING, {"date": tomorrow().isoformat()}, token=token_for(await make_user(role), settings)
        )
        assert errors[0]["extensions"]["code"] == "PERMISSION_DENIED"
    trader = await (await make_stall(market=await make_market())).trader
    errors = await gql.errors(PICKING, {"date": "1999-01-01"}, token=token_for(trader, settings))
    assert errors[0]["extensions"]["code"] == "INVALID_INPUT"

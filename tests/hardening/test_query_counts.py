"""Every list field, and every field that returns a list of objects, costs as many SQL queries for ten items
as for one: each relation a list resolves goes through a per-request loader."""

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from strawberry import relay

from src.models.accounts import Role, User
from src.models.habits import StallRatingSummary
from src.models.markets import Stall, StallStatus
from src.models.notifications import Notification
from src.models.orders import PaymentMethod
from src.models.outbox import OutboxEvent
from src.services import addresses, delivery, habits
from src.services import orders as orders_service
from src.services.common import dates
from src.services.common.dates import WIB
from src.services.orders import cart as cart_service
from src.settings import Settings
from tests.factories import make_market, make_product, make_stall, make_user, token_for
from tests.support.graphql import GraphQLClient
from tests.support.queries import count_queries
from tests.support.world import Goods, World, make_shop

ORDER_FIELDS = """number status total { amount } buyer { name } market { name } refunds { amount { amount } reason }
  stallOrders { status stall { name market { name } rating { average count } } items { productName quantity }
    rating { stars } }
  timeline { type actor } delivery { status courier { name phone } order { number } pickups { stall { name } } }"""


def gid(kind: str, pk: int) -> str:
    return str(relay.to_base64(kind, pk))


@dataclass
class Case:
    """One field: its document, who asks, how to grow the data to n items, and how many items came back."""

    field: str
    document: str
    viewer: Callable[[World], Awaitable[User]]
    grow: Callable[[World, int], Awaitable[None]]
    variables: Callable[[World], dict[str, Any]]
    size: Callable[[dict[str, Any]], int]


# What each case made so far, per world: growing adds only the missing items.
_made: dict[int, dict[str, Any]] = {}


def _state(world: World) -> dict[str, Any]:
    return _made.setdefault(id(world), {"n": 0})


async def _buyer(world: World) -> User:
    return world.buyer


async def _trader(world: World) -> User:
    return world.trader


async def _admin(world: World) -> User:
    return world.admin


async def _courier(world: World) -> User:
    return world.couriers[0]


async def _assigned_orders(world: World, n: int) -> None:
    """n orders of the buyer, each given to a courier (one in three still only placed)."""
    state = _state(world)
    while state["n"] < n:
        state["n"] += 1
        order = await world.order(ready=state["n"] % 3 != 0)
        if state["n"] % 3 != 0:
            courier = world.couriers[state["n"] % len(world.couriers)]
            await delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=courier.id)


async def _queue(world: World, n: int) -> None:
    state = _state(world)
    while state["n"] < n:
        state["n"] += 1
        order = await world.order(km_north=0.2 + state["n"] / 10)
        await delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=world.couriers[0].id)


async def _ready_orders(world: World, n: int) -> None:
    state = _state(world)
    while state["n"] < n:
        state["n"] += 1
        await world.order()


async def _one_order_of(world: World, n: int) -> None:
    """One order of the buyer across n stalls (a shop of its own), given to a courier."""
    shop = await make_shop(world.settings, goods=[Goods(f"Barang {k}", 5_000, stock="100") for k in range(n)],
                           market=world.market)  # fmt: skip
    shop.buyer, shop.keys = world.buyer, world.keys
    order = await shop.order()
    await delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=world.couriers[0].id)
    _state(world)["order"] = order.id


async def _cart(world: World, n: int) -> None:
    state = _state(world)
    while state["n"] < n:
        state["n"] += 1
        stall = await make_stall(market=world.market)
        product = await make_product(stall, tiers=(("5", 9_000),))
        await cart_service.add_to_cart(actor=world.buyer, product_id=product.id, quantity=product.min_quantity,
                                       note="", settings=world.settings)  # fmt: skip


async def _couriers(world: World, n: int) -> None:
    """n couriers of a market of their own (world.admin is moved there), one in two on duty."""
    state = _state(world)
    if "market" not in state:
        state["market"] = await make_market()
        world.admin.market = state["market"]  # type: ignore[assignment]
        await world.admin.save()
    while state["n"] < n:
        state["n"] += 1
        courier = await make_user(Role.COURIER, market=state["market"], name=f"Kurir {state['n']}")
        await delivery.set_availability(actor=courier, available=state["n"] % 2 == 1, lat=None, lng=None)


async def _settlements(world: World, n: int) -> None:
    """n couriers of the market, each with a delivered order today."""
    state = _state(world)
    while state["n"] < n:
        state["n"] += 1
        courier = await make_user(Role.COURIER, market=world.market, name=f"Kurir {state['n']}")
        assignment = await world.deliver(await world.order(), courier=courier)
        state["day"] = assignment.delivered_at.astimezone(WIB).date().isoformat()  # type: ignore[union-attr]


async def _delivered_sales(world: World, n: int) -> None:
    """n orders delivered: each a SALE line of the first stall's statement."""
    state = _state(world)
    while state["n"] < n:
        state["n"] += 1
        await world.deliver(await world.order())


async def _refunded_orders(world: World, n: int) -> None:
    """n paid QRIS orders of the market, cancelled: a refund each."""
    state = _state(world)
    while state["n"] < n:
        state["n"] += 1
        order = await world.order(method=PaymentMethod.QRIS, ready=False)
        await orders_service.confirm_payment(actor=world.admin, order_id=order.id)
        await orders_service.cancel_order(actor=world.buyer, order_id=order.id, reason="batal")


def _today(world: World) -> dict[str, Any]:
    today = dates.today().isoformat()
    return {"from": today, "to": today}


async def _notifications(world: World, n: int) -> None:
    state = _state(world)
    while state["n"] < n:
        state["n"] += 1
        event = await OutboxEvent.create(topic="order.placed", payload={})
        await Notification.create(user=world.buyer, event=event, type="ORDER_PLACED", language="id",
                                  title=f"Pesanan {state['n']}", body="Diterima", template="order_placed",
                                  data={"n": state["n"]})  # fmt: skip


async def _markets(world: World, n: int) -> None:
    state = _state(world)
    while state["n"] < n:
        state["n"] += 1
        market = await make_market()
        await make_stall(market=market)


async def _stalls(world: World, n: int) -> None:
    state = _state(world)
    if "market" not in state:
        state["market"] = await make_market()
    while state["n"] < n:
        state["n"] += 1
        await make_stall(market=state["market"])


async def _later_stalls(world: World, n: int) -> None:
    """A market of its own: a first stall (the cursor), then n stalls after it."""
    state = _state(world)
    if "market" not in state:
        state["market"] = await make_market()
        state["cursor"] = await make_stall(market=state["market"])
    while state["n"] < n:
        state["n"] += 1
        await make_stall(market=state["market"])


async def _markets_after_a_stall(world: World, n: int) -> None:
    """A stall made first (the cursor: every later stall's number is greater), then n markets with a stall."""
    state = _state(world)
    if "cursor" not in state:
        state["cursor"] = await make_stall()
    while state["n"] < n:
        state["n"] += 1
        await make_stall(market=await make_market())


def _after_cursor(world: World) -> dict[str, Any]:
    state = _state(world)
    return {
        "after": gid("Stall", state["cursor"].id),
        **({"market": gid("Market", state["market"].id)} if "market" in state else {}),
    }


async def _applications(world: World, n: int) -> None:
    """n stalls applying to the world's market, with hours of their own for one in two."""
    state = _state(world)
    while state["n"] < n:
        state["n"] += 1
        stall = await make_stall(market=world.market, status=StallStatus.PENDING, is_open=False)
        if state["n"] % 2:
            hours = [{"day": "MON", "opens": "05:00", "closes": "11:00"}]
            await Stall.filter(id=stall.id).update(opening_schedule={"hours": hours, "closed": [], "open": []})


async def _products(world: World, n: int) -> None:
    state = _state(world)
    while state["n"] < n - len(world.products):
        state["n"] += 1
        stall = await make_stall(market=world.market)
        await make_product(stall, tiers=(("5", 9_000),))


async def _addresses(world: World, n: int) -> None:
    state = _state(world)
    while state["n"] < n:
        state["n"] += 1
        await addresses.save_address(actor=world.buyer, address_id=None, fields=addresses.AddressFields(
            label=f"Alamat {state['n']}", line="Jl. Ijen", recipient_name="Bu Sri", recipient_phone="0812-3456-7890",
            lat=float(world.market.latitude), lng=float(world.market.longitude)))  # fmt: skip


async def _favourites(world: World, n: int) -> None:
    """n favourite products (each of its own stall, rated once) and n favourite stalls."""
    state = _state(world)
    while state["n"] < n:
        state["n"] += 1
        stall = await make_stall(market=world.market)
        product = await make_product(stall, tiers=(("5", 9_000),))
        await StallRatingSummary.create(stall=stall, rating_count=state["n"], stars_total=4 * state["n"])
        await habits.set_favourite(actor=world.buyer, product_id=product.id, stall_id=None, favourite=True)
        await habits.set_favourite(actor=world.buyer, product_id=None, stall_id=stall.id, favourite=True)


def _edges(field: str) -> Callable[[dict[str, Any]], int]:
    return lambda data: len(data[field]["edges"])


def _items(field: str) -> Callable[[dict[str, Any]], int]:
    return lambda data: len(data[field])


def _no_variables(world: World) -> dict[str, Any]:
    return {}


def _market(world: World) -> dict[str, Any]:
    return {"market": gid("Market", world.market.id)}


CASES = [
    Case("myOrders", f"{{ myOrders(first: 20) {{ edges {{ node {{ {ORDER_FIELDS} }} }} }} }}", _buyer,
         _assigned_orders, _no_variables, _edges("myOrders")),
    Case("stallOrders", f"""{{ stallOrders(first: 20) {{ edges {{ node {{ status subtotal {{ amount }}
         stall {{ name }} items {{ productName }} order {{ {ORDER_FIELDS} }} }} }} }} }}""", _trader,
         _assigned_orders, _no_variables, _edges("stallOrders")),
    Case("order", f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}", _buyer, _one_order_of,
         lambda world: {"id": gid("Order", _state(world)["order"])},
         lambda data: len(data["order"]["stallOrders"])),
    Case("cart", """{ cart { subtotal { amount } market { name } items { quantity lineTotal { amount }
         product { name stall { name market { name } } category { name } priceTiers { price { amount } }
         photos { id } thumbnail } } } }""", _buyer, _cart, _no_variables, lambda data: len(data["cart"]["items"])),
    Case("couriers", """query($market: ID!) { couriers(marketId: $market) { vehicle available activeDeliveries
         user { name market { name } stall { name } courier { available activeDeliveries } } } }""", _admin,
         _couriers, lambda world: {"market": gid("Market", _state(world)["market"].id)}, _items("couriers")),
    Case("ordersAwaitingCourier", f"""query($market: ID!) {{ ordersAwaitingCourier(marketId: $market) {{
         {ORDER_FIELDS} }} }}""", _admin, _ready_orders, _market, _items("ordersAwaitingCourier")),
    Case("marketSettlements", """query($market: ID!, $day: Date!) { marketSettlements(marketId: $market, date: $day)
         { courier { name phone } deliveryCount codExpected { amount } codCollected { amount } remitted
           codOwed { amount } deliveries { id status codCollected { amount } courier { name }
             order { number delivery { status } } } } }""",
         _admin, _settlements, lambda world: {**_market(world), "day": _state(world)["day"]},
         _items("marketSettlements")),
    Case("myDeliveryQueue", """{ myDeliveryQueue { id status distanceKm legKm codToCollect { amount }
         courier { name } order { number status delivery { status } market { name } }
         pickups { stall { name stallNumber } ready items { productName quantity } } } }""", _courier, _queue,
         _no_variables, _items("myDeliveryQueue")),
    Case("traderStatement", f"""query($from: Date!, $to: Date!) {{ traderStatement(from: $from, to: $to) {{
         stall {{ name }} opening {{ amount }} balance {{ amount }} totals {{ kind amount {{ amount }} }}
         lines {{ date kind amount {{ amount }} orderNumber order {{ {ORDER_FIELDS} }} }} }} }}""", _trader,
         _delivered_sales, _today, lambda data: len(data["traderStatement"]["lines"])),
    Case("refunds", f"""query($market: ID!) {{ refunds(marketId: $market, first: 20) {{ edges {{ node {{ id
         amount {{ amount }} reason status method order {{ {ORDER_FIELDS} }} }} }} }} }}""", _admin, _refunded_orders,
         _market, _edges("refunds")),
    Case("notifications", "{ notifications(first: 20) { edges { node { id type title body read createdAt data } } } }",
         _buyer, _notifications, _no_variables, _edges("notifications")),
    Case("markets", """{ markets(first: 20) { edges { node { name location { lat } baseDeliveryFee { amount }
         stalls(first: 5) { edges { node { name market { name } } } } } } } }""", _buyer, _markets, _no_variables,
         _edges("markets")),
    Case("stalls", """query($market: ID!) { market(id: $market) { stalls(first: 20) { edges { node { name
         stallNumber isOpen openNow nextOpening hours { day opens } closedDates market { name }
         rating { average count } } } } } }""", _buyer,
         _stalls,
         lambda world: {"market": gid("Market", _state(world)["market"].id)},
         lambda data: len(data["market"]["stalls"]["edges"])),
    Case("stalls (a later page)", """query($market: ID!, $after: String) { market(id: $market) {
         stalls(first: 20, after: $after) { edges { node { name stallNumber isOpen market { name } } } } } }""",
         _buyer, _later_stalls, _after_cursor, lambda data: len(data["market"]["stalls"]["edges"])),
    Case("markets (later stall pages)", """query($after: String) { markets(first: 20) { edges { node { name
         stalls(first: 5, after: $after) { edges { node { name market { name } } } } } } } }""", _buyer,
         _markets_after_a_stall, _after_cursor,
         lambda data: sum(len(e["node"]["stalls"]["edges"]) for e in data["markets"]["edges"])),
    Case("stallApplications", """query($market: ID!) { stallApplications(marketId: $market, first: 20) { edges {
         node { name stallNumber status statusReason openNow nextOpening hours { day opens closes } closedDates
         openDates hoursFromMarket trader { name } market { name hours { day } } } } } }""", _admin, _applications,
         _market,
         _edges("stallApplications")),
    Case("products", """{ products(first: 20) { edges { node { name price { amount } category { name }
         stall { name market { name } rating { average count } } priceTiers { price { amount } } photos { id }
         thumbnail } } } }""", _buyer, _products, _no_variables, _edges("products")),
    Case("myAddresses", "{ myAddresses { id label line recipientPhone location { lat lng } } }", _buyer, _addresses,
         _no_variables, _items("myAddresses")),
    Case("myFavourites", """{ myFavourites { products { name price { amount } category { name }
         stall { name market { name } rating { average count } } priceTiers { price { amount } } photos { id }
         thumbnail } stalls { name isOpen market { name } rating { average count } } } }""", _buyer, _favourites,
         _no_variables, lambda data: min(len(data["myFavourites"]["products"]), len(data["myFavourites"]["stalls"]))),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.field for c in CASES])
async def test_ten_items_cost_the_queries_of_one(
    case: Case, world: World, gql: GraphQLClient, settings: Settings
) -> None:
    # A new world may be given the id of a finished one: its state starts afresh.
    _made.pop(id(world), None)
    gql.token = token_for(await case.viewer(world), settings)
    await case.grow(world, 1)
    await gql(case.document, case.variables(world))  # the first request also reads the user: warm like the later
    with count_queries() as one:
        first = await gql(case.document, case.variables(world))
    await case.grow(world, 10)
    with count_queries() as ten:
        more = await gql(case.document, case.variables(world))
    assert case.size(first) < case.size(more) >= 10, (first, more)
    assert ten.count == one.count, _extra(one.queries, ten.queries)


def _extra(one: list[str], ten: list[str]) -> str:
    """The queries ten items sent beyond one's, by their text before the parameters."""
    shapes = Counter(q.split(": [")[0][:160] for q in one)
    extra = Counter(q.split(": [")[0][:160] for q in ten) - shapes
    return f"{len(one)} vs {len(ten)} queries; more: " + "\n".join(f"{n}x {q}" for q, n in extra.items())

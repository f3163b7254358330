"""Who sees what of an order: the timeline by role (a trader sees nothing of another stall's part), the buyer's
contact (`Order.buyer`), in GraphQL, in each reader's language."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from strawberry.relay import to_base64

from src.models.accounts import BuyerType, Role, User
from src.models.orders import Order, OrderItem, PaymentMethod, SlotWindow, StallOrder
from src.services import orders as orders_service
from src.settings import Settings
from tests.factories import make_product, make_stall, make_user, token_for
from tests.support.graphql import GraphQLClient
from tests.support.world import World, make_world, tomorrow

TIMELINE = """query($id: ID!) { order(id: $id) { total { amount } cancelReason
  timeline { type actor message } } }"""
BUYER = "query($id: ID!) { order(id: $id) { number buyer { name phone businessName } address { line } } }"


@dataclass
class Delivered:
    world: World
    order: Order
    weigher: User  # the trader of the weighed part
    rejecter: User  # the trader whose part was rejected
    courier: User
    expected: int
    collected: int


@pytest.fixture
async def delivered(clean_db: None, settings: Settings) -> Delivered:
    """A three-stall COD order: the world's first stall ready at once, a second weighed, a third rejected with
    a reason; carried by a courier who collected Rp 840 short."""
    world = await make_world(settings)
    ikan_stall = world.second_stall  # the world's second stall sells beras; give it a weighed fish too
    ikan = await make_product(
        ikan_stall, name="Ikan tongkol", price=38_000, stock=Decimal("20"), min_quantity=Decimal("0.5"),
        quantity_step=Decimal("0.05"), is_weighed=True,
    )  # fmt: skip
    third = await make_stall(market=world.market)
    sayur = await make_product(third, name="Kangkung", price=4_000, stock=Decimal("30"), min_quantity=Decimal("1"),
                               quantity_step=Decimal("1"))  # fmt: skip
    request = orders_service.OrderRequest(
        items=[
            orders_service.ItemInput(world.product.id, Decimal("1")),
            orders_service.ItemInput(ikan.id, Decimal("1")),
            orders_service.ItemInput(sayur.id, Decimal("2")),
        ],
        address=orders_service.AddressInput(
            line="Jl. Ijen No. 7", recipient_name="Bu Sri", recipient_phone="0812-3456-7890",
            lat=float(world.market.latitude) + 0.01, lng=float(world.market.longitude),
        ),
        slot=orders_service.SlotInput(date=tomorrow(), window=SlotWindow.AFTERNOON),
        payment_method=PaymentMethod.COD, note="", idempotency_key="three-stalls",
    )  # fmt: skip
    order = await orders_service.place_order(actor=world.buyer, request=request, settings=settings)
    parts = {p.stall_id: p for p in await StallOrder.filter(order_id=order.id)}
    rejecter = await third.trader
    await orders_service.reject_stall_order(
        actor=rejecter, stall_order_id=parts[third.id].id, reason="Kangkung habis dipesan restoran"
    )
    await orders_service.accept_stall_order(actor=world.trader, stall_order_id=parts[world.stall.id].id)
    await orders_service.mark_stall_order_ready(actor=world.trader, stall_order_id=parts[world.stall.id].id)
    weighed_part = parts[ikan_stall.id]
    await orders_service.accept_stall_order(actor=world.second_trader, stall_order_id=weighed_part.id)
    fish = await OrderItem.get(stall_order_id=weighed_part.id)
    await orders_service.set_fulfilled_quantity(
        actor=world.second_trader, order_item_id=fish.id, quantity=Decimal("1.05"), settings=settings
    )
    await orders_service.mark_stall_order_ready(actor=world.second_trader, stall_order_id=weighed_part.id)
    courier = world.couriers[0]
    expected = (await Order.get(id=order.id)).total
    await world.deliver(order, cash=expected - 840, courier=courier)
    return Delivered(world, order, world.second_trader, rejecter, courier, expected, expected - 840)


def rupiah_text(amount: int) -> str:
    return f"Rp {amount:,}".replace(",", ".")


async def _timeline(gql: GraphQLClient, who: User, settings: Settings, order: Order, language: str = "id") -> Any:
    data = await gql(
        TIMELINE, {"id": to_base64("Order", order.id)}, token=token_for(who, settings),
        headers={"Accept-Language": language},
    )  # fmt: skip
    return data["order"]


async def test_a_trader_sees_nothing_of_another_stalls_part_nor_the_cash(
    delivered: Delivered, gql: GraphQLClient, settings: Settings
) -> None:
    seen = await _timeline(gql, delivered.world.trader, settings, delivered.order)
    assert seen["total"] is None
    types = [e["type"] for e in seen["timeline"]]
    # Their own part's steps (once each: the other stalls' accepting is not theirs) and the order's milestones.
    assert types == ["PLACED", "STALL_ACCEPTED", "STALL_READY", "READY_FOR_PICKUP", "PICKED_UP", "DELIVERED"]
    said = " ".join(e["message"] for e in seen["timeline"])
    assert "Kangkung" not in said and "Ikan" not in said and "Rp" not in said
    assert str(delivered.expected) not in said and rupiah_text(delivered.expected) not in said

    # The trader who weighed sees their weighing, in their language, and not the rejection next door.
    weigher = await _timeline(gql, delivered.weigher, settings, delivered.order)
    assert [e["message"] for e in weigher["timeline"] if e["type"] == "WEIGHED"] == ["Ikan tongkol ditimbang 1,05 kg"]
    assert "STALL_REJECTED" not in [e["type"] for e in weigher["timeline"]]
    english = await _timeline(gql, delivered.weigher, settings, delivered.order, "en")
    assert [e["message"] for e in english["timeline"] if e["type"] == "WEIGHED"] == ["Ikan tongkol weighed 1.05 kg"]
    rejecter = await _timeline(gql, delivered.rejecter, settings, delivered.order)
    rejected = [e for e in rejecter["timeline"] if e["type"] == "STALL_REJECTED"]
    assert [e["message"] for e in rejected] == ["Kangkung habis dipesan restoran"]
    assert "WEIGHED" not in [e["type"] for e in rejecter["timeline"]]


async def test_the_buyer_the_courier_and_the_admin_each_see_their_share(
    delivered: Delivered, gql: GraphQLClient, settings: Settings
) -> None:
    buyer = [e["type"] for e in (await _timeline(gql, delivered.world.buyer, settings, delivered.order))["timeline"]]
    assert {"STALL_REJECTED", "WEIGHED", "DELIVERED"} <= set(buyer) and "COD_MISMATCH" not in buyer

    courier = await _timeline(gql, delivered.courier, settings, delivered.order)
    kinds = [e["type"] for e in courier["timeline"]]
    assert kinds == ["READY_FOR_PICKUP", "COURIER_ASSIGNED", "PICKED_UP", "DELIVERED", "COD_MISMATCH"]

    # The admins read the COD difference as rupiah in their language, never "expected 50840".
    for language, text in (
        ("id", f"Seharusnya {rupiah_text(delivered.expected)}, diterima {rupiah_text(delivered.collected)}"),
        ("en", f"{rupiah_text(delivered.expected)} was due, {rupiah_text(delivered.collected)} collected"),
    ):
        admin = await _timeline(gql, delivered.world.admin, settings, delivered.order, language)
        [mismatch] = [e for e in admin["timeline"] if e["type"] == "COD_MISMATCH"]
        assert mismatch["message"] == text and mismatch["actor"] == delivered.courier.name
        assert "expected" not in mismatch["message"]
        assert {"STALL_REJECTED", "WEIGHED"} <= {e["type"] for e in admin["timeline"]}


async def test_order_buyer_shows_each_role_what_it_may_see(
    delivered: Delivered, gql: GraphQLClient, settings: Settings
) -> None:
    world = delivered.world
    buyer = world.buyer
    buyer.buyer_type, buyer.business_name = BuyerType.BUSINESS, "Hotel Tugu"
    await buyer.save()
    full = {"name": buyer.name, "phone": buyer.phone, "businessName": "Hotel Tugu"}
    variables = {"id": to_base64("Order", delivered.order.id)}
    for viewer in (buyer, world.admin, delivered.courier):
        seen = (await gql(BUYER, variables, token=token_for(viewer, settings)))["order"]
        assert seen["buyer"] == full, viewer.role
    # A trader of the order: who ordered, not how to reach them.
    for trader in (world.trader, delivered.weigher):
        seen = (await gql(BUYER, variables, token=token_for(trader, settings)))["order"]
        assert seen["buyer"] == {"name": buyer.name, "phone": None, "businessName": "Hotel Tugu"}
        assert seen["address"] is None
    # Anyone else sees no order at all.
    stranger_trader = await (await make_stall(market=world.market)).trader
    for wrong in (await make_user(), world.other_admin, world.couriers[1], world.foreign_courier, stranger_trader):
        assert (await gql(BUYER, variables, token=token_for(wrong, settings)))["order"] is None, wrong.role
    assert (await gql.errors(BUYER, variables))[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_my_orders_shows_the_buyer_their_own_contact(
    delivered: Delivered, gql: GraphQLClient, settings: Settings
) -> None:
    query = "{ myOrders { edges { node { buyer { name phone } } } } }"
    buyer = delivered.world.buyer
    edges = (await gql(query, token=token_for(buyer, settings)))["myOrders"]["edges"]
    assert [e["node"]["buyer"] for e in edges] == [{"name": buyer.name, "phone": buyer.phone}]
    assert buyer.role == Role.BUYER

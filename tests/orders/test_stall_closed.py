"""An order for a closed stall, or for a day it does not open, is refused with STALL_CLOSED naming its next opening
in WIB (not NOT_FOUND), and changes nothing; its product's page still shows."""

from datetime import datetime, time
from decimal import Decimal

import pytest
from strawberry.relay import to_base64
from tortoise.timezone import now

from src.models.catalog import Product
from src.models.markets import Stall
from src.models.orders import CartItem, Order
from src.services import hours
from src.services.hours import HoursInput, ScheduleInput, Weekday
from src.services.hours.opening import DayText
from src.services.notification_texts import WIB
from src.settings import Settings
from tests.factories import token_for
from tests.orders.test_orders import _gql_input
from tests.support.graphql import GraphQLClient
from tests.support.world import BERAS, CABAI_RAWIT, Shop, make_shop, tomorrow

PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { number }
  errors { field code message } } }"""
ADD = """mutation($id: ID!) { addToCart(input: {productId: $id, quantity: "1"}) { errors { field code message } } }"""
EVERY_DAY = [HoursInput(d, "00:00", "23:59") for d in Weekday]


@pytest.fixture
async def shop(clean_db: None, settings: Settings) -> Shop:
    return await make_shop(settings, goods=(CABAI_RAWIT, BERAS), stall_names=("Cabai Pak Slamet", "Beras Bu Lilik"))


def _items(shop: Shop) -> list[tuple[Product, str]]:
    return [(shop.product, "1"), (shop.second_product, "2")]


async def _refused(gql: GraphQLClient, shop: Shop) -> list[dict[str, str]]:
    gql.token = token_for(shop.buyer, shop.settings)
    payload = (await gql(PLACE, {"input": _gql_input(shop.market, _items(shop), "k1")}))["placeOrder"]
    assert payload["order"] is None
    assert not await Order.exists()
    assert (await Product.get(id=shop.product.id)).stock == Decimal("1000")  # nothing taken
    return list(payload["errors"])


async def test_a_stall_closed_by_hand_without_hours_is_named_closed(gql: GraphQLClient, shop: Shop) -> None:
    await Stall.filter(id=shop.stall.id).update(is_open=False)
    errors = await _refused(gql, shop)
    assert errors == [
        {
            "field": "input.items.0.productId",
            "code": "STALL_CLOSED",
            "message": "Cabai Pak Slamet sedang tutup dan belum ada jadwal buka.",
        }
    ]


async def test_a_stall_closed_by_its_hours_names_its_next_opening_in_wib(gql: GraphQLClient, shop: Shop) -> None:
    await hours.set_stall_hours(
        actor=shop.trader, given=ScheduleInput(hours=[HoursInput(Weekday.MON, "05:00", "11:00")])
    )
    await Stall.filter(id=shop.stall.id).update(is_open=False)
    schedule = hours.schedule_of((await Stall.get(id=shop.stall.id)).opening_schedule, None)
    assert schedule is not None
    opens = schedule.next_opening(now())
    assert opens is not None and opens.weekday() == 0 and opens.strftime("%H:%M %z") == "05:00 +0700"
    expected = hours.OpeningTime(opens)
    [error] = await _refused(gql, shop)
    assert error["code"] == "STALL_CLOSED" and error["field"] == "input.items.0.productId"
    assert error["message"] == f"Cabai Pak Slamet sedang tutup. Buka lagi {expected.localize('id')}."
    assert "Senin" in error["message"] and "pukul 05.00 WIB" in error["message"]
    gql.language = "en"
    [error] = await _refused(gql, shop)
    assert error["message"] == f"Cabai Pak Slamet is closed. It opens again {expected.localize('en')}."

    # Its product's page still shows, marked closed; the cart does not take it.
    shown = await gql(
        "query($id: ID!) { product(id: $id) { name stall { openNow nextOpening } } }",
        {"id": to_base64("Product", shop.product.id)},
    )
    assert shown["product"] == {"name": "Cabai rawit", "stall": {"openNow": False, "nextOpening": opens.isoformat()}}
    errors = (await gql(ADD, {"id": to_base64("Product", shop.product.id)}))["addToCart"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("input.productId", "STALL_CLOSED")]
    assert "opens again" in errors[0]["message"]
    assert not await CartItem.exists()


async def test_a_slot_on_a_day_the_stall_is_closed_is_refused(gql: GraphQLClient, shop: Shop) -> None:
    slot_day = tomorrow()
    await hours.set_stall_hours(actor=shop.trader, given=ScheduleInput(hours=EVERY_DAY, closed_dates=[slot_day]))
    await Stall.filter(id=shop.stall.id).update(is_open=True)  # open now, whatever the time of this test
    schedule = hours.schedule_of((await Stall.get(id=shop.stall.id)).opening_schedule, None)
    assert schedule is not None
    opens = schedule.next_opening(datetime.combine(slot_day, time(0), tzinfo=WIB))
    assert opens is not None and opens.date() > slot_day and opens.strftime("%H:%M") == "00:00"
    [error] = await _refused(gql, shop)
    assert error == {
        "field": "input.items.0.productId",
        "code": "STALL_CLOSED",
        "message": f"Cabai Pak Slamet tutup pada {DayText(slot_day).localize('id')}. "
        f"Buka lagi {hours.OpeningTime(opens).localize('id')}.",
    }

    # Not closed that day any more: the order goes through.
    await hours.set_stall_hours(actor=shop.trader, given=ScheduleInput(hours=EVERY_DAY, closed_dates=[]))
    await Stall.filter(id=shop.stall.id).update(is_open=True)
    payload = (await gql(PLACE, {"input": _gql_input(shop.market, _items(shop), "k2")}))["placeOrder"]
    assert payload["errors"] == [] and payload["order"]["number"]

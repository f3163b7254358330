"""Market reports against a hand-built set of orders whose every figure is known in advance."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from strawberry.relay import from_base64, to_base64
from tortoise.timezone import now

from src.models.accounts import Role, User
from src.models.delivery import DeliveryAssignment
from src.models.markets import StallStatus
from src.models.notifications import Notification
from src.models.orders import Order, OrderItem, PaymentMethod, StallOrder
from src.services import orders as orders_service
from src.settings import Settings
from tests.factories import make_product, make_stall, make_user, token_for
from tests.support.graphql import GraphQLClient
from tests.support.world import World, make_world

WIB = orders_service.WIB
REPORT = """query($m: ID, $from: Date!, $to: Date!) { marketReport(marketId: $m, from: $from, to: $to) {
  from to orders gmv { amount } deliveryFees { amount } deliveredOrders cancelledOrders
  cancellations { reason count } activeStalls newStalls averageFulfilmentMinutes codCollected { amount }
  topProducts { productName unit quantity revenue { amount } product { name } }
  topProductsByQuantity { productName quantity }
  daily { date orders gmv { amount } } byMarket { market { name } orders gmv { amount } } } }"""
EXPORT = """mutation($m: ID, $from: Date!, $to: Date!) {
  exportMarketReport(input: {marketId: $m, from: $from, to: $to}) {
    reportExport { id status url } errors { field code } } }"""
EXPORT_NODE = "query($id: ID!) { node(id: $id) { ... on ReportExport { status rowCount url } } }"


@dataclass
class History:
    world: World
    day1: date
    day2: date
    day3: date
    totals: dict[str, int]
    trade_office: User
    other_market_order: Order


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=WIB)


async def _deliver(world: World, order: Order, cash: int | None, placed_at: datetime, minutes: int) -> None:
    assignment = await world.deliver(order, cash=cash)
    await Order.filter(id=order.id).update(created_at=placed_at)
    await DeliveryAssignment.filter(id=assignment.id).update(delivered_at=placed_at + timedelta(minutes=minutes))


@pytest.fixture
async def history(clean_db: None, settings: Settings) -> History:
    world = await make_world(settings, couriers=1)
    today = now().astimezone(WIB).date()
    day1, day2, day3 = today - timedelta(days=2), today - timedelta(days=1), today
    await type(world.product).filter(id=world.product.id).update(is_weighed=True)  # cabai is weighed
    await make_stall(market=world.market, status=StallStatus.PENDING)  # applied, not approved: not new
    totals: dict[str, int] = {}

    # A, day 1 09:00: cabai 2 kg weighed at 2.1 kg (126.000) + beras 13.000; delivered in 90 min, COD exact.
    a = await world.order(quantity="2", ready=False)
    for part in await StallOrder.filter(order_id=a.id).select_related("stall__trader").order_by("id"):
        await orders_service.accept_stall_order(actor=part.stall.trader, stall_order_id=part.id)
    cabai = await OrderItem.get(stall_order__order_id=a.id, product_id=world.product.id)
    await orders_service.set_fulfilled_quantity(
        actor=world.trader, order_item_id=cabai.id, quantity=Decimal("2.1"), settings=settings
    )
    for part in await StallOrder.filter(order_id=a.id).select_related("stall__trader").order_by("id"):
        await orders_service.mark_stall_order_ready(actor=part.stall.trader, stall_order_id=part.id)
    a = await Order.get(id=a.id)
    totals["a"] = a.total
    await _deliver(world, a, a.total, at(day1, 9), 90)

    # B, day 2 00:30 WIB (still day 1 in UTC): cabai 1 kg; the beras stall rejects its part. Delivered in
    # 30 min, the courier collected Rp 1.000 short.
    b = await world.order(quantity="1", ready=False)
    parts = await StallOrder.filter(order_id=b.id).order_by("id")
    await orders_service.reject_stall_order(actor=world.second_trader, stall_order_id=parts[1].id, reason="habis")
    await orders_service.accept_stall_order(actor=world.trader, stall_order_id=parts[0].id)
    cabai = await OrderItem.get(stall_order__order_id=b.id, product_id=world.product.id)
    await orders_service.set_fulfilled_quantity(  # weighed at exactly what was ordered
        actor=world.trader, order_item_id=cabai.id, quantity=Decimal("1"), settings=settings
    )
    await orders_service.mark_stall_order_ready(actor=world.trader, stall_order_id=parts[0].id)
    b = await Order.get(id=b.id)
    totals["b"] = b.total
    await _deliver(world, b, b.total - 1000, at(day2, 0, 30), 30)

    # C, day 2: cancelled by the buyer. D, day 2: QRIS never paid and expired. E: QRIS still awaiting payment.
    c = await world.order(quantity="1", ready=False)
    await orders_service.cancel_order(actor=world.buyer, order_id=c.id, reason="tidak jadi")
    d = await world.order(quantity="1", ready=False, method=PaymentMethod.QRIS)
    await Order.filter(id=d.id).update(payment_due_at=now() - timedelta(minutes=1))
    assert await orders_service.expire_unpaid_orders() == 1
    e = await world.order(quantity="1", ready=False, method=PaymentMethod.QRIS)
    for order, moment in ((c, at(day2, 10)), (d, at(day2, 11)), (e, at(day2, 12))):
        await Order.filter(id=order.id).update(created_at=moment)

    # H, day 3 07:00: cabai 0.5 kg (30.000) + beras (13.000), placed, not yet accepted.
    h = await world.order(quantity="0.5", ready=False)
    await Order.filter(id=h.id).update(created_at=at(day3, 7))

    # Outside: the evening before day 1 (WIB), and an order in another market.
    early = await world.order(quantity="1")
    await Order.filter(id=early.id).update(created_at=at(day1, 0) - timedelta(minutes=1))
    stall = await make_stall(market=world.other_market)
    ikan = await make_product(stall, name="Ikan", price=40_000, stock=Decimal("50"), min_quantity=Decimal("1"),
                              quantity_step=Decimal("1"))  # fmt: skip
    request = orders_service.OrderRequest(
        items=[orders_service.ItemInput(ikan.id, Decimal("2"))],
        address=orders_service.AddressInput(
            line="Jl. Lain", recipient_name="Pak Budi", recipient_phone="0812-1111-2222",
            lat=float(world.other_market.latitude) + 0.01, lng=float(world.other_market.longitude),
        ),
        slot=orders_service.SlotInput(date=day3 + timedelta(days=1), window=orders_service.SlotWindow.AFTERNOON),
        payment_method=PaymentMethod.COD, note="", idempotency_key="other",
    )  # fmt: skip
    other = await orders_service.place_order(actor=world.buyer, request=request, settings=settings)
    await Order.filter(id=other.id).update(created_at=at(day2, 8))
    return History(world, day1, day2, day3, totals, await make_user(Role.MARKET_ADMIN, market=None), other)


def _vars(history: History, market: Any) -> dict[str, Any]:
    return {"m": market, "from": history.day1.isoformat(), "to": history.day3.isoformat()}


async def test_every_figure_of_a_market_report(history: History, gql: GraphQLClient, settings: Settings) -> None:
    world = history.world
    gql.token = token_for(world.admin, settings)
    report = (await gql(REPORT, _vars(history, to_base64("Market", world.market.id))))["marketReport"]
    gmv = 139_000 + 60_000 + 43_000
    assert (report["orders"], report["gmv"]["amount"]) == (3, gmv)  # A, B, H
    fees = history.totals["a"] - 139_000 + history.totals["b"] - 60_000
    assert (
        report["deliveryFees"]["amount"] == fees + (await Order.get(created_at__gte=at(history.day3, 0))).delivery_fee
    )
    assert (report["deliveredOrders"], report["cancelledOrders"]) == (2, 2)
    assert report["cancellations"] == [{"reason": "PAYMENT_EXPIRED", "count": 1}, {"reason": "tidak jadi", "count": 1}]
    assert report["activeStalls"] == 2 and report["newStalls"] == 2  # the pending stall is not new
    assert report["averageFulfilmentMinutes"] == 60.0  # (90 + 30) / 2
    assert report["codCollected"]["amount"] == history.totals["a"] + history.totals["b"] - 1000
    assert [(p["productName"], p["quantity"], p["revenue"]["amount"]) for p in report["topProducts"]] == [
        ("Cabai rawit", "3.6", 126_000 + 60_000 + 30_000),  # weighed 2.1 + 1 + 0.5
        ("Beras", "2", 26_000),  # B's beras was rejected
    ]
    assert report["topProducts"][0]["product"] == {"name": "Cabai rawit"}
    assert [p["productName"] for p in report["topProductsByQuantity"]] == ["Cabai rawit", "Beras"]
    assert report["daily"] == [
        {"date": history.day1.isoformat(), "orders": 1, "gmv": {"amount": 139_000}},
        {"date": history.day2.isoformat(), "orders": 1, "gmv": {"amount": 60_000}},  # 00:30 WIB is day 2
        {"date": history.day3.isoformat(), "orders": 1, "gmv": {"amount": 43_000}},
    ]
    assert report["byMarket"] == []

    one_day = {**_vars(history, to_base64("Market", world.market.id)), "to": history.day1.isoformat()}
    assert (await gql(REPORT, one_day))["marketReport"]["orders"] == 1


async def test_the_trade_office_sees_every_market_and_the_city(
    history: History, gql: GraphQLClient, settings: Settings
) -> None:
    world = history.world
    gql.token = token_for(history.trade_office, settings)
    city = (await gql(REPORT, _vars(history, None)))["marketReport"]
    assert city["orders"] == 4 and city["gmv"]["amount"] == 242_000 + 80_000
    assert [(m["market"]["name"], m["orders"], m["gmv"]["amount"]) for m in city["byMarket"]] == [
        (world.market.name, 3, 242_000),
        (world.other_market.name, 1, 80_000),
    ]
    other = (await gql(REPORT, _vars(history, to_base64("Market", world.other_market.id))))["marketReport"]
    assert (other["orders"], other["gmv"]["amount"], other["activeStalls"]) == (1, 80_000, 1)


async def test_who_may_read_a_report(history: History, gql: GraphQLClient, settings: Settings) -> None:
    world = history.world
    market = to_base64("Market", world.market.id)
    for someone, variables in (
        (world.other_admin, _vars(history, market)),
        (world.admin, _vars(history, None)),  # the city is the trade office's
        (world.buyer, _vars(history, market)),
        (world.trader, _vars(history, market)),
        (world.couriers[0], _vars(history, market)),
    ):
        gql.token = token_for(someone, settings)
        errors = await gql.errors(REPORT, variables)
        assert errors[0]["extensions"]["code"] == "PERMISSION_DENIED", someone
        refused = (await gql(EXPORT, variables))["exportMarketReport"]
        assert refused["errors"] == [{"field": None, "code": "PERMISSION_DENIED"}]
    gql.token = None
    assert (await gql.errors(REPORT, _vars(history, market)))[0]["extensions"]["code"] == "UNAUTHENTICATED"
    gql.token = token_for(world.admin, settings)
    backwards = {**_vars(history, market), "from": history.day3.isoformat(), "to": history.day1.isoformat()}
    errors = await gql.errors(REPORT, backwards)
    assert errors[0]["extensions"] == {"code": "INVALID_INPUT", "field": "to"}  # a query names its argument
    too_long = {**_vars(history, market), "from": (history.day3 - timedelta(days=400)).isoformat()}
    assert (await gql(EXPORT, too_long))["exportMarketReport"]["errors"] == [
        {"field": "input.to", "code": "INVALID_INPUT"}
    ]


async def test_the_export_is_a_csv_of_every_order_line(
    history: History, gql: GraphQLClient, settings: Settings, run_jobs: Any, http: Any
) -> None:
    world = history.world
    gql.token = token_for(world.admin, settings)
    asked = (await gql(EXPORT, _vars(history, to_base64("Market", world.market.id))))["exportMarketReport"]
    assert (
        asked["errors"] == [] and asked["reportExport"]["status"] == "PENDING" and asked["reportExport"]["url"] is None
    )
    assert (await run_jobs()).jobs_failed == 0
    done = (await gql(EXPORT_NODE, {"id": asked["reportExport"]["id"]}))["node"]
    assert done["status"] == "READY" and done["rowCount"] == 10  # A, B, C, D and H: two lines each
    response = await http.get(done["url"].removeprefix("http://testserver"))
    assert response.status_code == 200 and response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Nomor Pesanan", "Tanggal Pesan (WIB)", "Pasar", "Status Pesanan"]
    assert len(rows) == 11
    first = rows[1]
    assert first[1] == f"{history.day1.isoformat()} 09:00" and first[9] == "Cabai rawit" and first[12] == "2.1"
    assert {r[3] for r in rows[1:]} == {"DELIVERED", "CANCELLED", "PLACED"}
    note = await Notification.get(user_id=world.admin.id, type="report.ready")
    assert "10" in note.body and note.data["exportId"] == int(from_base64(asked["reportExport"]["id"])[1])
    # Only the admin who asked sees the export.
    gql.token = token_for(history.trade_office, settings)
    assert (await gql(EXPORT_NODE, {"id": asked["reportExport"]["id"]}))["node"] is None

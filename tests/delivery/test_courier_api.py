"""The courier and admin operations over GraphQL: queue, pickup, proof of delivery, COD, settlement, permissions."""

import io
import json
from decimal import Decimal
from typing import Any

import httpx
from PIL import Image
from strawberry.relay import to_base64

from src.models.delivery import AssignmentStatus, DeliveryAssignment
from src.models.orders import Order, OrderStatus, PaymentMethod, PaymentStatus, SlotWindow
from src.services import delivery
from src.settings import Settings
from tests.factories import token_for
from tests.photos import images
from tests.support.graphql import GraphQLClient
from tests.support.queries import count_queries
from tests.support.world import World, tomorrow

QUEUE = """query($status: AssignmentStatus) { myDeliveryQueue(status: $status) { id status distanceKm legKm
  codToCollect { amount }
  order { number status address { line } deliverySlot { window } total { amount } paymentMethod }
  pickups { stall { name stallNumber } ready items { productName quantity } } } }"""
AVAILABILITY = """mutation($input: SetCourierAvailabilityInput!) { setCourierAvailability(input: $input) {
  courier { available vehicle location { lat lng } activeDeliveries user { name } } errors { field code } } }"""
ASSIGNMENT_FIELDS = "assignment { id status pickedUpAt deliveredAt codCollected { amount } codMismatch proofPhotoUrl }"
ACCEPT = (
    f"mutation($id: ID!) {{ acceptDelivery(input: {{assignmentId: $id}}) {{ {ASSIGNMENT_FIELDS} errors {{ code }} }} }}"
)
PICKED = (
    f"mutation($id: ID!) {{ markPickedUp(input: {{assignmentId: $id}}) {{ {ASSIGNMENT_FIELDS} errors {{ code }} }} }}"
)
DECLINE = f"""mutation($id: ID!, $reason: String!) {{ declineDelivery(input: {{assignmentId: $id, reason: $reason}}) {{
  {ASSIGNMENT_FIELDS} errors {{ field code }} }} }}"""
DELIVERED = f"""mutation($input: MarkDeliveredInput!) {{ markDelivered(input: $input) {{
  {ASSIGNMENT_FIELDS} errors {{ field code }} }} }}"""
ASSIGN = f"""mutation($order: ID!, $courier: ID!) {{ assignCourier(input: {{orderId: $order, courierId: $courier}}) {{
  {ASSIGNMENT_FIELDS} errors {{ field code }} }} }}"""
ORDER = """query($id: ID!) { order(id: $id) { status paymentStatus timeline { type }
  delivery { status courier { name phone } pickedUpAt deliveredAt proofPhotoUrl codCollected { amount } } } }"""
SETTLEMENT = """query($date: Date!, $courier: ID) { courierSettlement(date: $date, courierId: $courier) {
  courier { name } deliveryCount codExpected { amount } codCollected { amount } difference { amount } remitted
  deliveries { order { number } codMismatch } } }"""
MARKET_SETTLEMENTS = """query($market: ID!, $date: Date!) { marketSettlements(marketId: $market, date: $date) {
  courier { name } deliveryCount codCollected { amount } remitted } }"""
REMIT = """mutation($courier: ID!, $date: Date!) { markCashRemitted(input: {courierId: $courier, date: $date}) {
  settlement { remitted codCollected { amount } } errors { code } } }"""


def gid(type_name: str, key: int) -> str:
    return to_base64(type_name, key)


async def _offered(world: World, settings: Settings, **order: Any) -> tuple[Order, DeliveryAssignment]:
    placed = await world.order(**order)
    offer = await delivery.offer_order(order_id=placed.id, settings=settings)
    assert offer is not None
    return placed, offer


async def _upload_delivered(
    http: httpx.AsyncClient, token: str, assignment_id: int, photo: bytes, cod: int | None
) -> dict[str, Any]:
    variables = {
        "input": {"assignmentId": gid("DeliveryAssignment", assignment_id), "codCollected": cod, "proofPhoto": None}
    }
    response = await http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": DELIVERED, "variables": variables}),
            "map": json.dumps({"0": ["variables.input.proofPhoto"]}),
        },
        files={"0": ("bukti.jpg", photo, "image/jpeg")},
        headers={"Authorization": f"Bearer {token}", "GraphQL-Preflight": "1"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["data"]["markDelivered"])


async def test_a_courier_works_an_order_from_offer_to_proof_of_delivery(
    world: World, gql: GraphQLClient, http: httpx.AsyncClient, settings: Settings
) -> None:
    courier = world.couriers[0]
    gql.token = token_for(courier, settings)
    lat, lng = float(world.market.latitude) + 0.001, float(world.market.longitude)
    went = (await gql(AVAILABILITY, {"input": {"available": True, "location": {"lat": lat, "lng": lng}}}))[
        "setCourierAvailability"
    ]
    assert went["errors"] == [] and went["courier"]["available"] and went["courier"]["location"]["lat"] == lat
    order, offer = await _offered(world, settings)
    me = await gql("{ me { courier { available vehicle activeDeliveries } } }")
    assert me["me"]["courier"] == {"available": True, "vehicle": "MOTORCYCLE", "activeDeliveries": 1}

    [entry] = (await gql(QUEUE))["myDeliveryQueue"]
    assert entry["status"] == "OFFERED" and entry["order"]["number"] == order.number
    assert entry["codToCollect"]["amount"] == order.total and entry["order"]["paymentMethod"] == "COD"
    assert Decimal(entry["distanceKm"]) == order.distance_km
    assert [(p["stall"]["name"], p["ready"], [i["productName"] for i in p["items"]]) for p in entry["pickups"]] == [
        (world.stall.name, True, ["Cabai rawit"]),
        (world.second_stall.name, True, ["Beras"]),
    ]

    accepted = (await gql(ACCEPT, {"id": entry["id"]}))["acceptDelivery"]
    assert accepted["errors"] == [] and accepted["assignment"]["status"] == "ACCEPTED"
    picked = (await gql(PICKED, {"id": entry["id"]}))["markPickedUp"]["assignment"]
    assert picked["status"] == "PICKED_UP" and picked["pickedUpAt"]

    # COD: the amount is required; a different amount is recorded and flagged.
    token = gql.token
    missing = (await gql(DELIVERED, {"input": {"assignmentId": entry["id"]}}))["markDelivered"]
    assert missing["errors"] == [{"field": "input.codCollected", "code": "INVALID_INPUT"}]
    not_a_photo = await _upload_delivered(http, token, offer.id, b"%PDF-1.4 not a photo", order.total)
    assert not_a_photo["errors"] == [{"field": "input.proofPhoto", "code": "INVALID_INPUT"}]
    assert (await DeliveryAssignment.get(id=offer.id)).status == AssignmentStatus.PICKED_UP  # nothing changed
    short = order.total - 2000
    done = await _upload_delivered(http, token, offer.id, images.jpeg(2400, 1800, orientation=6, gps=True), short)
    assert done["errors"] == []
    assert done["assignment"]["status"] == "DELIVERED" and done["assignment"]["codMismatch"] is True
    assert done["assignment"]["codCollected"] == {"amount": short}

    # The proof photo: upright, at most 1280 px, no metadata (no GPS), visible to the buyer and the admin.
    link = done["assignment"]["proofPhotoUrl"].removeprefix("http://testserver")
    photo = await http.get(link)
    assert photo.status_code == 200
    path = link.partition("?")[0]
    assert (await http.get(path)).status_code == 404  # private: only through a signed link
    assert (await http.get(link.replace("signature=", "signature=0"))).status_code == 404
    image = Image.open(io.BytesIO(photo.content))
    assert image.size == (960, 1280) and not image.getexif() and "exif" not in image.info

    for viewer in (world.buyer, world.admin, courier):
        seen = (await gql(ORDER, {"id": gid("Order", order.id)}, token=token_for(viewer, settings)))["order"]
        assert seen["status"] == "DELIVERED" and seen["paymentStatus"] == "PAID"
        assert seen["delivery"]["proofPhotoUrl"].partition("?")[0].endswith(path)
        assert seen["delivery"]["courier"]["name"] == courier.name
    types = [t["type"] for t in seen["timeline"]]
    assert types[-4:] == ["COURIER_ASSIGNED", "PICKED_UP", "DELIVERED", "COD_MISMATCH"]
    trader_view = (await gql(ORDER, {"id": gid("Order", order.id)}, token=token_for(world.trader, settings)))["order"]
    assert trader_view["delivery"] is None  # a trader sees their part, not the buyer's door


async def test_couriers_touch_only_their_own_assignments(world: World, gql: GraphQLClient, settings: Settings) -> None:
    a, b, _ = world.couriers
    await world.available(a)
    order, offer = await _offered(world, settings)
    assignment_id = gid("DeliveryAssignment", offer.id)

    gql.token = token_for(b, settings)
    assert (await gql(ACCEPT, {"id": assignment_id}))["acceptDelivery"]["errors"] == [{"code": "NOT_FOUND"}]
    assert (await gql(DECLINE, {"id": assignment_id, "reason": "x"}))["declineDelivery"]["errors"] == [
        {"field": "input.assignmentId", "code": "NOT_FOUND"}
    ]
    assert (await gql(QUEUE))["myDeliveryQueue"] == []
    assert (await gql("query($id: ID!) { node(id: $id) { id } }", {"id": assignment_id}))["node"] is None
    assert (await gql(ORDER, {"id": gid("Order", order.id)}))["order"] is None  # not b's order to see

    for someone in (world.buyer, world.trader, world.admin):
        gql.token = token_for(someone, settings)
        assert (await gql(ACCEPT, {"id": assignment_id}))["acceptDelivery"]["errors"] == [{"code": "PERMISSION_DENIED"}]
        assert (await gql(PICKED, {"id": assignment_id}))["markPickedUp"]["errors"] == [{"code": "PERMISSION_DENIED"}]
        errors = await gql.errors(QUEUE)
        assert errors[0]["extensions"]["code"] == "PERMISSION_DENIED"
        went = await gql(AVAILABILITY, {"input": {"available": True}})
        assert went["setCourierAvailability"]["errors"] == [{"field": None, "code": "PERMISSION_DENIED"}]
    gql.token = None
    assert (await gql(ACCEPT, {"id": assignment_id}))["acceptDelivery"]["errors"] == [{"code": "UNAUTHENTICATED"}]
    assert (await DeliveryAssignment.get(id=offer.id)).status == AssignmentStatus.OFFERED

    # The admin sees the offer on the order and can move it; an admin of another market cannot.
    gql.token = token_for(world.other_admin, settings)
    refused = (await gql(ASSIGN, {"order": gid("Order", order.id), "courier": gid("User", b.id)}))["assignCourier"]
    assert refused["errors"] == [{"field": None, "code": "PERMISSION_DENIED"}]
    gql.token = token_for(world.admin, settings)
    foreign = gid("User", world.foreign_courier.id)
    refused = (await gql(ASSIGN, {"order": gid("Order", order.id), "courier": foreign}))["assignCourier"]
    assert refused["errors"] == [{"field": "input.courierId", "code": "DIFFERENT_MARKET"}]
    moved = (await gql(ASSIGN, {"order": gid("Order", order.id), "courier": gid("User", b.id)}))["assignCourier"]
    assert moved["errors"] == [] and moved["assignment"]["status"] == "ACCEPTED"
    gql.token = token_for(a, settings)
    assert (await gql(QUEUE))["myDeliveryQueue"] == []  # withdrawn from a


async def test_pickup_waits_for_every_stall(world: World, gql: GraphQLClient, settings: Settings) -> None:
    courier = world.couriers[0]
    placed = await world.order(ready=False)
    assignment = await delivery.assign_manually(actor=world.admin, order_id=placed.id, courier_id=courier.id)
    gql.token = token_for(courier, settings)
    [entry] = (await gql(QUEUE))["myDeliveryQueue"]
    assert [p["ready"] for p in entry["pickups"]] == [False, False]
    refused = (await gql(PICKED, {"id": gid("DeliveryAssignment", assignment.id)}))["markPickedUp"]
    assert refused["errors"] == [{"code": "INVALID_STATE"}]
    await world.make_ready(placed)
    done = (await gql(PICKED, {"id": gid("DeliveryAssignment", assignment.id)}))["markPickedUp"]
    assert done["errors"] == [] and (await Order.get(id=placed.id)).status == OrderStatus.OUT_FOR_DELIVERY


async def test_the_queue_runs_slot_by_slot_nearest_first_in_constant_queries(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    courier = world.couriers[0]
    gql.token = token_for(courier, settings)
    made = [
        await world.order(km_north=3.0, window=SlotWindow.AFTERNOON),
        await world.order(km_north=1.0, window=SlotWindow.AFTERNOON),
        await world.order(km_north=0.5, km_east=2.0, window=SlotWindow.MORNING),
        await world.order(km_north=2.0, window=SlotWindow.AFTERNOON),
    ]
    for order in made:
        await delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=courier.id)
    queue = (await gql(QUEUE))["myDeliveryQueue"]
    # The morning one first; the afternoon ones out along the road: 1 km, then 2 km, then 3 km.
    assert [e["order"]["number"] for e in queue] == [made[i].number for i in (2, 1, 3, 0)]
    assert [e["legKm"] for e in queue[1:]] == ["1.00", "1.00", "1.00"]
    with count_queries() as one_order:
        await gql(QUEUE, {"status": None})

    for n in range(26):
        order = await world.order(km_north=0.2 + n / 10, quantity="0.25")
        await delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=courier.id)
    with count_queries() as thirty:
        assert len((await gql(QUEUE))["myDeliveryQueue"]) == 30
    assert thirty.count == one_order.count, (one_order.queries, thirty.queries)
    filtered = (await gql(QUEUE, {"status": "DELIVERED"}))["myDeliveryQueue"]
    assert filtered == []


async def test_settlement_for_the_courier_and_the_admin(world: World, gql: GraphQLClient, settings: Settings) -> None:
    a, b, _ = world.couriers
    from src.services import orders as orders_service

    exact, short = await world.order(), await world.order()
    paid = await world.order(method=PaymentMethod.QRIS, ready=False)
    await orders_service.confirm_payment(actor=world.admin, order_id=paid.id)
    await world.make_ready(paid)
    for order, cash in ((exact, exact.total), (short, short.total - 5000), (paid, None)):
        await world.deliver(order, cash=cash, courier=a)
    assert (await Order.get(id=paid.id)).payment_status == PaymentStatus.PAID
    today = (
        (await DeliveryAssignment.filter(courier_id=a.id).first())
        .delivered_at.astimezone(  # type: ignore[union-attr]
            delivery.orders_service.WIB
        )
        .date()
    )
    expected = exact.total + short.total

    gql.token = token_for(a, settings)
    mine = (await gql(SETTLEMENT, {"date": today.isoformat()}))["courierSettlement"]
    assert mine["deliveryCount"] == 3 and mine["codExpected"]["amount"] == expected
    assert mine["codCollected"]["amount"] == expected - 5000 and mine["difference"]["amount"] == -5000
    assert [d["codMismatch"] for d in mine["deliveries"]] == [False, True, False] and mine["remitted"] is False
    assert (await gql(SETTLEMENT, {"date": tomorrow().isoformat()}))["courierSettlement"]["deliveryCount"] == 0
    other = await gql.errors(SETTLEMENT, {"date": today.isoformat(), "courier": gid("User", b.id)})
    assert other[0]["extensions"]["code"] == "PERMISSION_DENIED"  # a courier sees only their own day

    gql.token = token_for(world.admin, settings)
    board = await gql(MARKET_SETTLEMENTS, {"market": gid("Market", world.market.id), "date": today.isoformat()})
    assert {s["courier"]["name"]: s["deliveryCount"] for s in board["marketSettlements"]} == {
        c.name: (3 if c == a else 0) for c in world.couriers
    }
    remitted = (await gql(REMIT, {"courier": gid("User", a.id), "date": today.isoformat()}))["markCashRemitted"]
    assert remitted["errors"] == [] and remitted["settlement"]["remitted"] is True

    for outsider in (world.other_admin, b):
        gql.token = token_for(outsider, settings)
        errors = await gql.errors(
            MARKET_SETTLEMENTS, {"market": gid("Market", world.market.id), "date": today.isoformat()}
        )
        assert errors[0]["extensions"]["code"] == "PERMISSION_DENIED"
        refused = (await gql(REMIT, {"courier": gid("User", a.id), "date": today.isoformat()}))["markCashRemitted"]
        assert refused["errors"] == [{"code": "PERMISSION_DENIED"}]


async def test_bad_inputs_are_named_and_change_nothing(world: World, gql: GraphQLClient, settings: Settings) -> None:
    a = world.couriers[0]
    gql.token = token_for(a, settings)
    bad = await gql(AVAILABILITY, {"input": {"available": True, "location": {"lat": 95.0, "lng": 112.6}}})
    assert bad["setCourierAvailability"]["errors"] == [{"field": "input.location", "code": "INVALID_INPUT"}]
    assert (await gql("{ me { courier { available } } }"))["me"]["courier"]["available"] is False
    wrong_type = (await gql(ACCEPT, {"id": gid("Product", world.product.id)}))["acceptDelivery"]
    assert wrong_type["errors"] == [{"code": "NOT_FOUND"}]

    placed = await world.order()
    assignment = await delivery.assign_manually(actor=world.admin, order_id=placed.id, courier_id=a.id)
    await delivery.mark_picked_up(actor=a, assignment_id=assignment.id)
    negative = await gql(
        DELIVERED, {"input": {"assignmentId": gid("DeliveryAssignment", assignment.id), "codCollected": -1}}
    )
    assert negative["markDelivered"]["errors"] == [{"field": "input.codCollected", "code": "INVALID_INPUT"}]
    blank = (await gql(DECLINE, {"id": gid("DeliveryAssignment", assignment.id), "reason": " "}))["declineDelivery"]
    assert blank["errors"] == [{"field": "input.reason", "code": "INVALID_INPUT"}]
    after_pickup = await gql(DECLINE, {"id": gid("DeliveryAssignment", assignment.id), "reason": "capek"})
    assert after_pickup["declineDelivery"]["errors"] == [{"field": None, "code": "INVALID_STATE"}]
    assert (await DeliveryAssignment.get(id=assignment.id)).status == AssignmentStatus.PICKED_UP


async def test_the_admin_sees_couriers_and_orders_waiting_for_one(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    a, b, _ = world.couriers
    await world.available(a)
    waiting = await world.order()  # a is available, but nothing offered it yet: no job ran
    assert await delivery.offer_order(order_id=waiting.id, settings=settings) is not None
    await delivery.decline(actor=a, assignment_id=(await delivery.delivery_queue(actor=a))[0].assignment.id,
                           reason="motor mogok", settings=settings)  # fmt: skip
    market = gid("Market", world.market.id)
    query = """query($m: ID!) { ordersAwaitingCourier(marketId: $m) { number status }
      couriers(marketId: $m) { user { name } available activeDeliveries } }"""
    gql.token = token_for(world.admin, settings)
    seen = await gql(query, {"m": market})
    assert seen["ordersAwaitingCourier"] == [{"number": waiting.number, "status": "READY_FOR_PICKUP"}]
    assert seen["couriers"][0] == {"user": {"name": a.name}, "available": True, "activeDeliveries": 0}
    assert {c["user"]["name"] for c in seen["couriers"]} == {c.name for c in world.couriers}
    for outsider in (world.other_admin, b, world.trader):
        gql.token = token_for(outsider, settings)
        errors = await gql.errors(query, {"m": market})
        assert {e["extensions"]["code"] for e in errors} == {"PERMISSION_DENIED"}


async def test_buyer_courier_and_admin_are_told(world: World, settings: Settings, run_jobs: Any, redis: Any) -> None:
    from src.jobs.queue import create_queue
    from src.models.notifications import Notification
    from src.services import notifications as notifications_service
    from src.services import orders as orders_service

    a = world.couriers[0]
    order = await world.order()
    assignment = await delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=a.id)
    await delivery.mark_picked_up(actor=a, assignment_id=assignment.id)
    await delivery.mark_failed(actor=a, assignment_id=assignment.id, reason="Rumah kosong")
    second = await world.order()
    await delivery.assign_manually(actor=world.admin, order_id=second.id, courier_id=a.id)
    await orders_service.cancel_order(actor=world.buyer, order_id=second.id, reason="tidak jadi")
    queue = create_queue(settings)
    try:
        await notifications_service.hand_over(queue)
    finally:
        await queue.aclose()
    assert (await run_jobs()).jobs_failed == 0
    told = {(n.user_id, n.template): n.body for n in await Notification.all()}
    assert a.name in told[(world.buyer.id, "courier_assigned_buyer")]
    assert (world.buyer.id, "picked_up_buyer") in told
    assert "Rumah kosong" in told[(world.buyer.id, "delivery_failed_buyer")]
    assert "Rumah kosong" in told[(world.admin.id, "delivery_failed_admin")]
    assert (a.id, "delivery_assigned_courier") in told and (a.id, "cancelled_courier") in told
    assert not any(user == world.other_admin.id for user, _ in told)

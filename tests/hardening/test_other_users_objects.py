"""IDs of other users' objects, tried by the wrong user through every mutation and query that takes one.

One world (two buyers, two traders, two markets with their admins, couriers of both markets, an order
with a courier, a photo, a notification, a report export), then a corpus of requests each made by someone
who must not succeed. Each is answered with HTTP 200 and a clear code (NOT_FOUND, PERMISSION_DENIED or
DIFFERENT_MARKET: in the payload's `errors` for a mutation, as the error's code or a null for a query),
never a 500 or a trace, and afterwards every row of every table is as it was before the corpus ran.
"""

import re
from datetime import timedelta
from typing import Any

import pytest
from strawberry.relay import to_base64
from tortoise.timezone import now

from src.models.accounts import Role, User
from src.models.delivery import DeliveryAssignment
from src.models.media import PhotoStatus, ProductPhoto
from src.models.notifications import Notification
from src.models.orders import Order, OrderItem, PaymentMethod, StallOrder
from src.models.outbox import OutboxEvent
from src.models.payments import Refund
from src.models.reports import ReportExport
from src.services import delivery
from src.services import orders as orders_service
from src.settings import Settings
from tests.factories import make_user, token_for
from tests.support.database import snapshot
from tests.support.graphql import GraphQLClient
from tests.support.world import World, make_world, tomorrow

REFUSED = {"NOT_FOUND", "PERMISSION_DENIED", "DIFFERENT_MARKET"}
ROOT_FIELD = re.compile(r"\{\s*(\w+)")


def gid(type_name: str, value: int) -> str:
    return to_base64(type_name, value)


def mutation(name: str, input_type: str) -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ errors {{ field code }} }} }}"


async def _world(settings: Settings) -> tuple[World, dict[str, str], Order]:
    world = await make_world(settings, couriers=2)
    order = await world.order()
    assignment = await delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=world.couriers[0].id)
    part = await StallOrder.get(order_id=order.id, stall_id=world.stall.id)
    item = await OrderItem.get(stall_order_id=part.id)
    photo = await ProductPhoto.create(
        product=world.product, status=PhotoStatus.READY, content_type="image/jpeg", original_key="originals/p/1",
        variants={"THUMB.WEBP": "photos/p/1/thumb.webp"}, width=160, height=120,
    )  # fmt: skip
    event = await OutboxEvent.first()
    assert event is not None
    notice = await Notification.create(
        user=world.buyer, event=event, type="ORDER_PLACED", language="id", title="Pesanan", body="Diterima",
        template="order_placed",
    )  # fmt: skip
    export = await ReportExport.create(
        requested_by=world.admin, market=world.market, date_from=tomorrow() - timedelta(days=7), date_to=tomorrow()
    )
    # A paid order cancelled: a refund (MANUAL, PENDING) for the market's admins to pay.
    paid = await world.order(method=PaymentMethod.QRIS, ready=False)
    await orders_service.confirm_payment(actor=world.admin, order_id=paid.id)
    await orders_service.cancel_order(actor=world.buyer, order_id=paid.id, reason="batal")
    refund = await Refund.get(order_id=paid.id)
    ids = {
        "refund": gid("Refund", refund.id),
        "order": gid("Order", order.id), "part": gid("StallOrder", part.id), "item": gid("OrderItem", item.id),
        "product": gid("Product", world.product.id), "photo": gid("ProductPhoto", photo.id),
        "stall": gid("Stall", world.stall.id), "market": gid("Market", world.market.id),
        "assignment": gid("DeliveryAssignment", assignment.id), "courier": gid("User", world.couriers[0].id),
        "other_courier": gid("User", world.couriers[1].id), "notice": gid("Notification", notice.id),
        "export": gid("ReportExport", export.id), "buyer": gid("User", world.buyer.id),
    }  # fmt: skip
    return world, ids, order


def _corpus(ids: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(who tries, document, variables); who: another buyer, trader, market admin or courier."""
    day = tomorrow().isoformat()
    reason = {"reason": "coba-coba"}
    statement = "query($s: ID!, $d: Date!) { traderStatement(stallId: $s, from: $d, to: $d) { balance { amount } } }"
    payout = {"stallId": ids["stall"], "amount": 1, "reference": "TRF-1"}
    remittance = {"courierId": ids["courier"], "amount": 1, "reference": "S-1"}
    paid_back = {"refundId": ids["refund"], "reference": "TRF-9"}
    refunds = "query($m: ID!) { refunds(marketId: $m) { edges { node { id } } } }"
    node = "query($id: ID!) { node(id: $id) { id } }"
    hours = {"hours": [{"day": "MON", "opens": "05:00", "closes": "11:00"}]}
    return [
        *(
            (who, document, variables)
            for who in ("buyer", "trader", "admin", "courier")
            for document, variables in (
                (mutation("markRefundPaid", "MarkRefundPaidInput"), paid_back),
                (refunds, {"m": ids["market"]}),
                (node, {"id": ids["refund"]}),
            )
        ),
        # Another buyer: the order and its delivery.
        ("buyer", mutation("cancelOrder", "CancelOrderInput"), {"orderId": ids["order"], **reason}),
        ("buyer", mutation("confirmPayment", "ConfirmPaymentInput"), {"orderId": ids["order"]}),
        ("buyer", mutation("acceptStallOrder", "StallOrderInput"), {"stallOrderId": ids["part"]}),
        ("buyer", mutation("updateProduct", "UpdateProductInput"), {"id": ids["product"], "price": 1}),
        ("buyer", mutation("acceptDelivery", "AssignmentInput"), {"assignmentId": ids["assignment"]}),
        ("buyer", "query($id: ID!) { order(id: $id) { id } }", {"id": ids["order"]}),
        ("buyer", "query($id: ID!) { node(id: $id) { id } }", {"id": ids["order"]}),
        ("buyer", "query($id: ID!) { node(id: $id) { id } }", {"id": ids["assignment"]}),
        ("buyer", "query($id: ID!) { node(id: $id) { id } }", {"id": ids["notice"]}),
        ("buyer", "query($id: ID!) { node(id: $id) { id } }", {"id": ids["export"]}),
        ("buyer", "query($id: ID!) { node(id: $id) { id } }", {"id": ids["item"]}),
        ("buyer", statement, {"s": ids["stall"], "d": day}),
        ("buyer", mutation("recordPayout", "RecordPayoutInput"), payout),
        ("buyer", mutation("reorder", "ReorderInput"), {"orderId": ids["order"]}),
        ("buyer", mutation("rateStallOrder", "RateStallOrderInput"), {"stallOrderId": ids["part"], "stars": 1}),
        # The other stall's trader: the first stall's product, photo, part of the order and its item.
        ("trader", mutation("updateProduct", "UpdateProductInput"), {"id": ids["product"], "name": "Milik saya"}),
        ("trader", mutation("archiveProduct", "ArchiveProductInput"), {"id": ids["product"]}),
        ("trader", mutation("setStock", "SetStockInput"), {"productId": ids["product"], "stock": "0"}),
        ("trader", mutation("requestPhotoUpload", "RequestPhotoUploadInput"),
         {"productId": ids["product"], "contentType": "image/jpeg", "byteSize": 1000}),
        ("trader", mutation("deletePhoto", "DeletePhotoInput"), {"photoId": ids["photo"]}),
        ("trader", mutation("acceptStallOrder", "StallOrderInput"), {"stallOrderId": ids["part"]}),
        ("trader", mutation("rejectStallOrder", "RejectStallOrderInput"), {"stallOrderId": ids["part"], **reason}),
        ("trader", mutation("markStallOrderReady", "StallOrderInput"), {"stallOrderId": ids["part"]}),
        ("trader", mutation("setFulfilledQuantity", "SetFulfilledQuantityInput"),
         {"orderItemId": ids["item"], "quantity": "2"}),
        ("trader", mutation("cancelOrder", "CancelOrderInput"), {"orderId": ids["order"], **reason}),
        ("trader", mutation("reviewStall", "ReviewStallInput"), {"stallId": ids["stall"], "decision": "SUSPEND"}),
        ("trader", "query($id: ID!) { node(id: $id) { id } }", {"id": ids["export"]}),
        ("trader", statement, {"s": ids["stall"], "d": day}),
        ("trader", mutation("recordPayout", "RecordPayoutInput"), payout),
        ("trader", mutation("rateStallOrder", "RateStallOrderInput"), {"stallOrderId": ids["part"], "stars": 5}),
        # Another market's admin: this market, its stall, order, couriers and reports.
        ("admin", mutation("updateMarket", "UpdateMarketInput"), {"id": ids["market"], "perKmFee": 1}),
        ("admin", mutation("reviewStall", "ReviewStallInput"), {"stallId": ids["stall"], "decision": "SUSPEND"}),
        ("admin", mutation("cancelOrder", "CancelOrderInput"), {"orderId": ids["order"], **reason}),
        ("admin", mutation("confirmPayment", "ConfirmPaymentInput"), {"orderId": ids["order"]}),
        ("admin", mutation("assignCourier", "AssignCourierInput"),
         {"orderId": ids["order"], "courierId": ids["other_courier"]}),
        ("admin", mutation("markCashRemitted", "MarkCashRemittedInput"), {"courierId": ids["courier"], "date": day}),
        ("admin", mutation("setUserActive", "SetUserActiveInput"), {"userId": ids["courier"], "active": False}),
        ("admin", mutation("setUserActive", "SetUserActiveInput"), {"userId": ids["buyer"], "active": False}),
        ("admin", mutation("exportMarketReport", "ExportMarketReportInput"),
         {"marketId": ids["market"], "from": day, "to": day}),
        ("admin", "query($id: ID!, $d: Date!) { marketReport(marketId: $id, from: $d, to: $d) { orders } }",
         {"id": ids["market"], "d": day}),
        ("admin", "query($id: ID!, $d: Date!) { marketSettlements(marketId: $id, date: $d) { remitted } }",
         {"id": ids["market"], "d": day}),
        ("admin", "query($id: ID!) { ordersAwaitingCourier(marketId: $id) { id } }", {"id": ids["market"]}),
        ("admin", "query($id: ID!) { couriers(marketId: $id) { available } }", {"id": ids["market"]}),
        ("admin", "query($d: Date!, $c: ID!) { courierSettlement(date: $d, courierId: $c) { deliveryCount } }",
         {"d": day, "c": ids["courier"]}),
        ("admin", "query($id: ID!) { order(id: $id) { id } }", {"id": ids["order"]}),
        ("admin", "query($id: ID!) { node(id: $id) { id } }", {"id": ids["export"]}),
        ("admin", statement, {"s": ids["stall"], "d": day}),
        ("admin", mutation("recordPayout", "RecordPayoutInput"), payout),
        ("admin", mutation("recordCodRemittance", "RecordCodRemittanceInput"), remittance),
        ("admin", mutation("setMarketHours", "SetMarketHoursInput"), {"marketId": ids["market"], **hours}),
        ("admin", "query($id: ID!) { stallApplications(marketId: $id) { edges { cursor } } }", {"id": ids["market"]}),
        ("trader", mutation("setMarketHours", "SetMarketHoursInput"), {"marketId": ids["market"], **hours}),
        ("buyer", mutation("setStallHours", "SetStallHoursInput"), hours),
        ("courier", "query($id: ID!) { stallApplications(marketId: $id) { edges { cursor } } }", {"id": ids["market"]}),
        # The other courier of the same market: the first courier's delivery and day.
        ("courier", mutation("acceptDelivery", "AssignmentInput"), {"assignmentId": ids["assignment"]}),
        ("courier", mutation("declineDelivery", "AssignmentReasonInput"),
         {"assignmentId": ids["assignment"], **reason}),
        ("courier", mutation("markPickedUp", "AssignmentInput"), {"assignmentId": ids["assignment"]}),
        ("courier", mutation("markDelivered", "MarkDeliveredInput"),
         {"assignmentId": ids["assignment"], "codCollected": 1}),
        ("courier", mutation("markDeliveryFailed", "AssignmentReasonInput"),
         {"assignmentId": ids["assignment"], **reason}),
        ("courier", mutation("assignCourier", "AssignCourierInput"),
         {"orderId": ids["order"], "courierId": ids["other_courier"]}),
        ("courier", "query($d: Date!, $c: ID!) { courierSettlement(date: $d, courierId: $c) { deliveryCount } }",
         {"d": day, "c": ids["courier"]}),
        ("courier", "query($id: ID!) { node(id: $id) { id } }", {"id": ids["assignment"]}),
        ("courier", "query($id: ID!) { order(id: $id) { id } }", {"id": ids["order"]}),
        ("courier", mutation("recordCodRemittance", "RecordCodRemittanceInput"), remittance),
    ]  # fmt: skip


def _refusal(body: dict[str, Any]) -> str | None:
    """The clear answer a request got: a refusal code, 'null' for a hidden object, or None if it got through."""
    if body.get("errors"):
        codes = {error.get("extensions", {}).get("code") for error in body["errors"]}
        return codes.pop() if len(codes) == 1 else repr(codes)
    (value,) = body["data"].values()
    if value is None:
        return "null"
    if isinstance(value, dict) and value.get("errors"):
        return str(value["errors"][0]["code"])
    return None


async def test_every_other_users_object_is_refused_and_nothing_changes(gql: GraphQLClient, settings: Settings) -> None:
    world, ids, _ = await _world(settings)
    intruders: dict[str, User] = {
        "buyer": await make_user(Role.BUYER, name="Pembeli lain"),
        "trader": world.second_trader,
        "admin": world.other_admin,
        "courier": world.couriers[1],
    }
    corpus = _corpus(ids)
    before = await snapshot()
    answers = []
    for who, document, variables in corpus:
        is_mutation = document.startswith("mutation")
        response = await gql.post(document, {"input": variables} if is_mutation else variables,
                                  token=token_for(intruders[who], settings))  # fmt: skip
        assert response.status_code == 200, (who, document, response.text)
        assert "Traceback" not in response.text and "INTERNAL" not in response.text, response.text
        answers.append((who, ROOT_FIELD.findall(document)[0], _refusal(response.json())))
    through = [answer for answer in answers if answer[2] not in REFUSED | {"null"}]
    assert through == [], through
    assert await snapshot() == before
    assert len(answers) == len(corpus) >= 45


@pytest.mark.parametrize("who", ["buyer", "trader", "courier"])
async def test_notifications_of_another_user_are_neither_read_nor_marked(
    gql: GraphQLClient, settings: Settings, who: str
) -> None:
    world, ids, _ = await _world(settings)
    intruder = {"buyer": await make_user(Role.BUYER), "trader": world.trader, "courier": world.couriers[0]}[who]
    gql.token = token_for(intruder, settings)
    marked = await gql("mutation($ids: [ID!]!) { markNotificationsRead(input: {ids: $ids}) { errors { code } } }",
                       {"ids": [ids["notice"]]})  # fmt: skip
    assert marked["markNotificationsRead"]["errors"] == []  # others' ids are ignored, as the schema says
    seen = await gql("{ notifications { edges { node { id } } } }")
    assert ids["notice"] not in [edge["node"]["id"] for edge in seen["notifications"]["edges"]]
    notice = await Notification.get(user_id=world.buyer.id)
    assert notice.read_at is None and notice.created_at <= now()


async def test_an_assignment_of_another_market_cannot_be_given_to_this_markets_courier(
    gql: GraphQLClient, settings: Settings
) -> None:
    world, ids, order = await _world(settings)
    gql.token = token_for(world.admin, settings)
    foreign = gid("User", world.foreign_courier.id)
    payload = await gql(
        mutation("assignCourier", "AssignCourierInput"), {"input": {"orderId": ids["order"], "courierId": foreign}}
    )
    assert payload["assignCourier"]["errors"][0]["code"] == "DIFFERENT_MARKET"
    live = await DeliveryAssignment.get(live_order_id=order.id)
    assert live.courier_id == world.couriers[0].id and live.cod_expected == order.total

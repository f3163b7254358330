"""Complaints: the buyer complains within the window after delivery, the market admin refunds (at most what was
paid for that part, charged to its trader) or rejects, and everyone concerned is told."""

import io
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from PIL import Image
from strawberry.relay import to_base64
from tortoise.timezone import now

from src.models.accounts import Role
from src.models.complaints import Complaint, ComplaintResolution, ComplaintStatus
from src.models.orders import Order, OrderEvent, StallOrder
from src.models.outbox import OutboxEvent
from src.models.payments import LedgerEntry, LedgerKind, Payment, Refund, RefundReason
from src.services import complaints as complaints_service
from src.services import notification_texts as texts
from src.services import orders as orders_service
from src.services import payments
from src.services.common.errors import DomainError, ErrorCode
from src.services.notifications.recipients import messages_for
from src.settings import Settings
from src.storage import build_storage
from tests.factories import make_user, token_for
from tests.photos.images import jpeg
from tests.support.graphql import GraphQLClient
from tests.support.world import World

REFUND, REJECT = ComplaintResolution.REFUND, ComplaintResolution.REJECT


async def _delivered(world: World) -> tuple[Order, list[StallOrder]]:
    """A COD order of both stalls (cabai rawit Rp 120.000, beras Rp 13.000), delivered and paid at the door."""
    order = await world.order()
    await world.deliver(order)
    return await Order.get(id=order.id), await StallOrder.filter(order_id=order.id).order_by("id")


async def _open(world: World, order: Order, part: StallOrder | None, reason: str = "Cabainya busuk") -> Complaint:
    return await complaints_service.open_complaint(
        actor=world.buyer, order_id=order.id, stall_order_id=part.id if part else None, reason=reason, photo=None,
        storage=build_storage(world.settings), settings=world.settings,
    )  # fmt: skip


async def _balanced(order_id: int) -> None:
    """paid − refunded = owed."""
    order, payment = await Order.get(id=order_id), await Payment.get(order_id=order_id)
    refunded = await payments.refunds.refunded(payment)
    assert payment.paid_amount - refunded == await payments.refunds.still_owed(order, payment)


async def _told(topic: str) -> dict[int, tuple[str, str]]:
    event = await OutboxEvent.filter(topic=topic).order_by("-id").first()
    assert event is not None, topic
    return {m.user.id: texts.render(m.template, m.user.language, m.params) for m in await messages_for(event)}


async def test_a_refund_for_one_part_is_charged_to_its_trader(world: World) -> None:
    order, parts = await _delivered(world)
    complaint = await _open(world, order, parts[0])
    assert (complaint.status, complaint.stall_order_id, complaint.market_id) == (
        ComplaintStatus.OPEN, parts[0].id, world.market.id,
    )  # fmt: skip
    told = await _told("order.complaint_opened")
    assert set(told) == {world.trader.id, world.admin.id}  # not the other stall's trader
    assert "Cabainya busuk" in told[world.trader.id][1] and "Cabainya busuk" in told[world.admin.id][1]

    resolved = await complaints_service.resolve_complaint(
        actor=world.admin, complaint_id=complaint.id, resolution=REFUND, amount=None, note="Maaf, kami ganti"
    )

    assert (resolved.status, resolved.amount) == (ComplaintStatus.REFUNDED, 120_000)
    refund = await Refund.get(order_id=order.id)
    assert (refund.amount, refund.reason, refund.stall_order_id, refund.id) == (
        120_000, RefundReason.COMPLAINT, parts[0].id, resolved.refund_id,
    )  # fmt: skip
    line = await LedgerEntry.get(kind=LedgerKind.REFUND)
    assert (line.stall_id, line.amount, line.order_number) == (world.stall.id, -120_000, order.number)
    assert await payments.stall_balance(world.stall.id) == 0  # its sale, given back
    assert await payments.stall_balance(world.second_stall.id) == 13_000
    await _balanced(order.id)
    told = await _told("order.complaint_resolved")
    assert set(told) == {world.buyer.id, world.trader.id}
    assert "Rp 120.000 dikembalikan" in told[world.buyer.id][1]
    with pytest.raises(DomainError) as caught:
        await complaints_service.resolve_complaint(
            actor=world.admin, complaint_id=complaint.id, resolution=REFUND, amount=1, note="lagi"
        )
    assert (caught.value.code, caught.value.message_key) == (ErrorCode.INVALID_STATE, "COMPLAINT_RESOLVED")


async def test_no_more_than_was_paid_for_the_part(world: World) -> None:
    order, parts = await _delivered(world)
    complaint = await _open(world, order, parts[1])
    with pytest.raises(DomainError) as caught:
        await complaints_service.resolve_complaint(
            actor=world.admin, complaint_id=complaint.id, resolution=REFUND, amount=13_001, note="ganti"
        )
    assert (caught.value.code, caught.value.field, caught.value.message_key) == (
        ErrorCode.INVALID_INPUT, "amount", "AMOUNT_ABOVE_PAID",
    )  # fmt: skip
    assert not await Refund.exists() and not await LedgerEntry.filter(kind=LedgerKind.REFUND).exists()
    assert (await Complaint.get(id=complaint.id)).status == ComplaintStatus.OPEN
    assert await payments.refunds.credited(await Payment.get(order_id=order.id)) == 0
    resolved = await complaints_service.resolve_complaint(
        actor=world.admin, complaint_id=complaint.id, resolution=REFUND, amount=5_000, note="sebagian"
    )
    assert resolved.amount == 5_000
    assert (await LedgerEntry.get(kind=LedgerKind.REFUND)).amount == -5_000
    await _balanced(order.id)


async def test_a_complaint_about_the_whole_order(world: World) -> None:
    order, _ = await _delivered(world)
    complaint = await _open(world, order, None, "Datang terlambat dua jam")
    assert set(await _told("order.complaint_opened")) == {world.admin.id}
    paid = (await Payment.get(order_id=order.id)).paid_amount
    with pytest.raises(DomainError) as caught:
        await complaints_service.resolve_complaint(
            actor=world.admin, complaint_id=complaint.id, resolution=REFUND, amount=paid + 1, note="x"
        )
    assert caught.value.message_key == "AMOUNT_ABOVE_PAID"
    await complaints_service.resolve_complaint(
        actor=world.admin, complaint_id=complaint.id, resolution=REFUND, amount=5_000, note="ongkir kembali"
    )
    assert (await Refund.get(order_id=order.id)).stall_order_id is None
    assert not await LedgerEntry.filter(kind=LedgerKind.REFUND).exists()  # the market bears it
    await _balanced(order.id)
    assert set(await _told("order.complaint_resolved")) == {world.buyer.id}


async def test_a_rejected_complaint_gives_nothing_back(world: World) -> None:
    order, parts = await _delivered(world)
    complaint = await _open(world, order, parts[0])
    for amount, note, field in ((5_000, "tidak", "amount"), (None, "  ", "note")):
        with pytest.raises(DomainError) as caught:
            await complaints_service.resolve_complaint(
                actor=world.admin, complaint_id=complaint.id, resolution=REJECT, amount=amount, note=note
            )
        assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID_INPUT, field)
    resolved = await complaints_service.resolve_complaint(
        actor=world.admin, complaint_id=complaint.id, resolution=REJECT, amount=None, note="Foto tidak jelas"
    )
    assert (resolved.status, resolved.amount, resolved.note) == (ComplaintStatus.REJECTED, None, "Foto tidak jelas")
    assert not await Refund.exists()
    told = await _told("order.complaint_resolved")
    title, body = told[world.buyer.id]
    assert title == f"Keluhan {order.number} ditolak" and "Foto tidak jelas" in body


async def test_only_within_the_window_after_delivery_and_once(world: World) -> None:
    order = await world.order()
    with pytest.raises(DomainError) as caught:
        await _open(world, order, None)
    assert (caught.value.code, caught.value.message_key) == (ErrorCode.INVALID_STATE, "COMPLAINT_NOT_DELIVERED")
    await world.deliver(order)
    part = (await StallOrder.filter(order_id=order.id).order_by("id"))[0]
    await _open(world, order, part)
    with pytest.raises(DomainError) as caught:
        await _open(world, order, part)
    assert (caught.value.code, caught.value.field) == (ErrorCode.ALREADY_EXISTS, "stallOrderId")
    await OrderEvent.filter(order_id=order.id, type="DELIVERED").update(created_at=now() - timedelta(hours=25))
    with pytest.raises(DomainError) as caught:
        await _open(world, order, None)
    assert (caught.value.code, caught.value.message_key, caught.value.params) == (
        ErrorCode.INVALID_STATE, "COMPLAINT_WINDOW_CLOSED", {"hours": 24},
    )  # fmt: skip
    assert await Complaint.filter(order_id=order.id).count() == 1


async def test_bad_inputs_change_nothing(world: World) -> None:
    order = await world.order(ready=False)
    parts = await StallOrder.filter(order_id=order.id).order_by("id")
    await orders_service.reject_stall_order(actor=world.second_trader, stall_order_id=parts[1].id, reason="habis")
    await orders_service.accept_stall_order(actor=world.trader, stall_order_id=parts[0].id)
    await orders_service.mark_stall_order_ready(actor=world.trader, stall_order_id=parts[0].id)
    await world.deliver(await Order.get(id=order.id))
    other_order, _ = await _delivered(world)
    other_part = (await StallOrder.filter(order_id=other_order.id).order_by("id"))[0]
    for part_id, reason, code, field in (
        (parts[1].id, "busuk", ErrorCode.INVALID_INPUT, "stallOrderId"),  # rejected: never delivered
        (other_part.id, "busuk", ErrorCode.NOT_FOUND, "stallOrderId"),  # another order's part
        (parts[0].id, "   ", ErrorCode.INVALID_INPUT, "reason"),
        (parts[0].id, "x" * 1001, ErrorCode.INVALID_INPUT, "reason"),
    ):
        with pytest.raises(DomainError) as caught:
            await complaints_service.open_complaint(
                actor=world.buyer, order_id=order.id, stall_order_id=part_id, reason=reason, photo=None,
                storage=build_storage(world.settings), settings=world.settings,
            )  # fmt: skip
        assert (caught.value.code, caught.value.field) == (code, field)
    with pytest.raises(DomainError) as caught:
        await complaints_service.open_complaint(
            actor=world.buyer, order_id=order.id, stall_order_id=None, reason="busuk", photo=b"not an image",
            storage=build_storage(world.settings), settings=world.settings,
        )  # fmt: skip
    assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID_INPUT, "photo")
    assert not await Complaint.exists()


async def test_who_may_complain_and_resolve(world: World) -> None:
    order, parts = await _delivered(world)
    for actor in (await make_user(name="Pak Budi"), world.trader, world.admin):
        with pytest.raises(DomainError) as caught:
            await complaints_service.open_complaint(
                actor=actor, order_id=order.id, stall_order_id=None, reason="busuk", photo=None,
                storage=build_storage(world.settings), settings=world.settings,
            )  # fmt: skip
        assert (caught.value.code, caught.value.field) == (ErrorCode.NOT_FOUND, "orderId")
    complaint = await _open(world, order, parts[0])
    for actor in (world.other_admin, world.trader, world.buyer, world.couriers[0]):
        with pytest.raises(DomainError) as caught:
            await complaints_service.resolve_complaint(
                actor=actor, complaint_id=complaint.id, resolution=REFUND, amount=None, note="ok"
            )
        assert caught.value.code == ErrorCode.PERMISSION_DENIED
    assert not await Refund.exists()
    trade_office = await make_user(Role.MARKET_ADMIN, name="Diskoperindag")
    resolved = await complaints_service.resolve_complaint(
        actor=trade_office, complaint_id=complaint.id, resolution=REJECT, amount=None, note="tidak terbukti"
    )
    assert resolved.resolved_by_id == trade_office.id


OPEN = """mutation($input: OpenComplaintInput!) { openComplaint(input: $input) {
  complaint { id status reason photoUrl order { number } stallOrder { stall { name } } } errors { field code } } }"""
RESOLVE = """mutation($input: ResolveComplaintInput!) { resolveComplaint(input: $input) {
  complaint { status resolution amount { amount } note } errors { field code message } } }"""
LIST = """query($marketId: ID, $status: ComplaintStatus) { complaints(marketId: $marketId, status: $status) {
  edges { node { status reason order { number } } } } }"""
ORDER = """query($id: ID!) { order(id: $id) { complaints { status reason photoUrl } } }"""


async def _post_with_photo(http: httpx.AsyncClient, token: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": OPEN, "variables": variables}),
            "map": json.dumps({"0": ["variables.input.photo"]}),
        },
        files={"0": ("cabai.jpg", jpeg(800, 600, gps=True), "image/jpeg")},
        headers={"Authorization": f"Bearer {token}", "GraphQL-Preflight": "1"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["data"]["openComplaint"])


async def test_through_the_api(world: World, gql: GraphQLClient, http: httpx.AsyncClient, settings: Settings) -> None:
    order, parts = await _delivered(world)
    variables = {"input": {"orderId": to_base64("Order", order.id), "stallOrderId": to_base64(
        "StallOrder", parts[0].id), "reason": "Cabainya busuk", "photo": None}}  # fmt: skip
    opened = await _post_with_photo(http, token_for(world.buyer, settings), variables)
    assert opened["errors"] == []
    complaint = opened["complaint"]
    assert (complaint["status"], complaint["order"], complaint["stallOrder"]) == (
        "OPEN", {"number": order.number}, {"stall": {"name": world.stall.name}},
    )  # fmt: skip
    assert complaint["photoUrl"]
    stored = await Complaint.get()
    assert stored.photo_key and stored.photo_key.startswith("complaints/")
    photo = Image.open(io.BytesIO((await build_storage(settings).get(stored.photo_key)).data))
    assert 0x8825 not in photo.getexif()  # the GPS position is gone

    buyer, trader, other_trader = (token_for(u, settings) for u in (world.buyer, world.trader, world.second_trader))
    order_id = {"id": to_base64("Order", order.id)}
    assert [c["status"] for c in (await gql(ORDER, order_id, token=buyer))["order"]["complaints"]] == ["OPEN"]
    assert [c["reason"] for c in (await gql(ORDER, order_id, token=trader))["order"]["complaints"]] == [
        "Cabainya busuk"
    ]
    assert (await gql(ORDER, order_id, token=other_trader))["order"]["complaints"] == []

    market = to_base64("Market", world.market.id)
    admin = token_for(world.admin, settings)
    listed = (await gql(LIST, {"marketId": market}, token=admin))["complaints"]["edges"]
    assert [e["node"]["order"]["number"] for e in listed] == [order.number]
    assert (await gql(LIST, {"status": "REJECTED"}, token=admin))["complaints"]["edges"] == []
    errors = await gql.errors(LIST, {"marketId": market}, token=token_for(world.other_admin, settings))
    assert errors[0]["extensions"]["code"] == "PERMISSION_DENIED"
    errors = await gql.errors(LIST, {}, token=buyer)
    assert errors[0]["extensions"]["code"] == "PERMISSION_DENIED"
    office = token_for(await make_user(Role.MARKET_ADMIN, name="Diskoperindag"), settings)
    assert len((await gql(LIST, {}, token=office))["complaints"]["edges"]) == 1

    resolve = {"input": {"complaintId": complaint["id"], "resolution": "REFUND", "amount": 200_000, "note": "ok"}}
    gql.language = "en"
    refused = (await gql(RESOLVE, resolve, token=admin))["resolveComplaint"]
    assert refused["complaint"] is None
    assert [(e["field"], e["code"], e["message"]) for e in refused["errors"]] == [
        ("input.amount", "INVALID_INPUT", "At most Rp 120.000 can be refunded.")
    ]
    refused = (await gql(RESOLVE, resolve, token=token_for(world.other_admin, settings)))["resolveComplaint"]
    assert [e["code"] for e in refused["errors"]] == ["PERMISSION_DENIED"]
    resolve["input"]["amount"] = 60_000
    done = (await gql(RESOLVE, resolve, token=admin))["resolveComplaint"]
    assert done == {"complaint": {"status": "REFUNDED", "resolution": "REFUND", "amount": {"amount": 60_000},
                                  "note": "ok"}, "errors": []}  # fmt: skip

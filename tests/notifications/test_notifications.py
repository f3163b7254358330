"""Notifications through a real SMTP server (aiosmtpd) and a real HTTP receiver, with nothing lost or doubled."""

import asyncio
import email
import hashlib
import hmac
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.relay import to_base64
from tortoise.timezone import now

from src.app import create_app
from src.jobs.notifications import deliver_outbox_event, relay_outbox, send_notification_email
from src.jobs.queue import create_queue
from src.models.accounts import Role
from src.models.notifications import DeliveryStatus, Notification
from src.models.orders import Order, OrderItem, PaymentMethod, SlotWindow, StallOrder
from src.models.outbox import OutboxEvent
from src.services import orders as orders_service
from src.settings import Settings
from tests.factories import make_user, token_for
from tests.support.graphql import GraphQLClient
from tests.support.processes import free_port
from tests.support.world import Shop, tomorrow

SECRET = "webhook-secret-for-tests"
PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id number total { amount } }
  errors { field code } } }"""
NOTIFICATIONS = """query($unread: Boolean) { notifications(unreadOnly: $unread) { edges { node { id type title body read
  data } } } unreadNotificationCount }"""
MARK = "mutation($ids: [ID!]!) { markNotificationsRead(input: {ids: $ids}) { count errors { code } } }"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list["Mail"]:
        return [Mail(m) for m in self.messages if m["To"] == address]


class Mail:
    """A received message with its text decoded (bodies travel quoted-printable)."""

    def __init__(self, message: email.message.Message) -> None:
        self.message = message

    def __getitem__(self, header: str) -> str:
        return str(self.message[header])

    def text(self) -> str:
        payload = self.message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode(self.message.get_content_charset() or "utf-8")


class Receiver:
    """A chat gateway stand-in: a real HTTP server answering with scripted statuses, then 200."""

    def __init__(self) -> None:
        self.calls: list[tuple[bytes, dict[str, str]]] = []
        self.script: list[int] = []

    async def endpoint(self, request: Request) -> Response:
        self.calls.append((await request.body(), dict(request.headers)))
        return Response(status_code=self.script.pop(0) if self.script else 200)

    def bodies(self) -> list[dict[str, Any]]:
        return [orjson.loads(body) for body, _ in self.calls]


@pytest.fixture
def mailbox() -> Any:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, int]]:
    target = Receiver()
    port = free_port()
    app = Starlette(routes=[Route("/gateway", target.endpoint, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # uvicorn offers no event to wait on
        if server.started:
            break
        await asyncio.sleep(0.01)
    yield target, port
    server.should_exit = True
    await task


@pytest.fixture
def notify_settings(settings: Settings, mailbox: Any, receiver: tuple[Receiver, int]) -> Settings:
    return settings.model_copy(
        update={
            "email_enabled": True,
            "smtp_port": mailbox[1],
            "webhook_enabled": True,
            "webhook_url": f"http://127.0.0.1:{receiver[1]}/gateway",
            "webhook_secret": SecretStr(SECRET),
        }
    )


def _input(world: Shop, key: str = "k", payment: str = "COD") -> dict[str, Any]:
    market = world.market
    day = tomorrow()
    return {
        "items": [
            {"productId": to_base64("Product", world.product.id), "quantity": "0.35"},
            {"productId": to_base64("Product", world.second_product.id), "quantity": "1"},
        ],
        "address": {"line": "Jl. Kawi 1", "recipientName": "Bu Sri", "recipientPhone": "081234567890",
                    "location": {"lat": float(market.latitude) + 0.01, "lng": float(market.longitude)}},
        "deliverySlot": {"date": day.isoformat(), "window": "MORNING"},
        "paymentMethod": payment,
        "idempotencyKey": key,
    }  # fmt: skip


async def _place(gql: GraphQLClient, world: Shop, settings: Settings, **kwargs: Any) -> dict[str, Any]:
    gql.token = token_for(world.buyer, settings)
    payload = (await gql(PLACE, {"input": _input(world, **kwargs)}))["placeOrder"]
    assert payload["errors"] == []
    return dict(payload["order"])


@pytest.fixture
async def notify_gql(notify_settings: Settings, clean_db: None) -> AsyncIterator[GraphQLClient]:
    app = create_app(notify_settings, manage_orm=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            yield GraphQLClient(http)


async def test_a_new_order_reaches_each_trader_and_the_buyer_on_every_channel(
    world: Shop, notify_gql: GraphQLClient, notify_settings: Settings, run_jobs: Any,
    mailbox: Any, receiver: tuple[Receiver, int],
) -> None:  # fmt: skip
    order = await _place(notify_gql, world, notify_settings)
    await run_jobs(settings=notify_settings)
    box, gateway = mailbox[0], receiver[0]

    [to_slamet] = box.to("slamet@example.id")
    assert to_slamet["Subject"] == f"Pesanan baru {order['number']}"
    body = to_slamet.text()
    assert "Ikan tongkol 0,35 kg" in body and "Rp 13.300" in body  # 0.35 kg × Rp 38.000, a decimal comma
    [to_lilik] = box.to("lilik@example.id")
    assert to_lilik["Subject"] == f"New order {order['number']}" and "Rp 13.300" in to_lilik.text()
    [receipt] = box.to("sri@example.id")
    total = order["total"]["amount"]
    assert receipt["Subject"] == f"Pesanan {order['number']} diterima"
    assert f"Rp {total:,}".replace(",", ".") in receipt.text() and "bayar di tempat" in receipt.text()

    calls = gateway.bodies()
    assert sorted(c["template"] for c in calls) == ["order_placed_buyer", "order_placed_trader", "order_placed_trader"]
    assert {c["phone"] for c in calls} == {world.buyer.phone, *(t.phone for t in world.traders)}
    assert {c["language"] for c in calls if c["phone"] == world.traders[1].phone} == {"en"}
    for raw, headers in gateway.calls:  # each signed with HMAC-SHA256 over the body
        expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        assert headers["x-pasar-signature"] == expected

    listed = (await notify_gql(NOTIFICATIONS, {}))["notifications"]["edges"]
    assert [n["node"]["title"] for n in listed] == [f"Pesanan {order['number']} diterima"]
    assert listed[0]["node"]["data"]["orderNumber"] == order["number"]
    statuses = await Notification.all().values_list("email_status", "webhook_status")
    assert set(statuses) == {(DeliveryStatus.SENT, DeliveryStatus.SENT)}


async def test_an_order_placed_while_redis_is_down_is_told_once_redis_is_back(
    world: Shop, notify_settings: Settings, run_jobs: Any, mailbox: Any, redis: Any,
) -> None:  # fmt: skip
    down = notify_settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    app = create_app(down, manage_orm=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            order = await _place(GraphQLClient(http), world, down)
    assert await Order.filter(number=order["number"]).exists()  # the order went through
    assert await OutboxEvent.filter(dispatched_at__isnull=True).count() == 1
    assert await redis.zcard("arq:queue") == 0

    queue = create_queue(notify_settings)
    try:
        assert await relay_outbox({"redis": queue}) == 1
        await run_jobs(settings=notify_settings)
        assert await relay_outbox({"redis": queue}) == 0  # handed over once
    finally:
        await queue.aclose()
    await run_jobs(settings=notify_settings)
    assert len(mailbox[0].messages) == 3  # two traders and the buyer, once each


async def test_running_the_jobs_twice_sends_once(
    world: Shop, notify_gql: GraphQLClient, notify_settings: Settings, run_jobs: Any,
    mailbox: Any, receiver: tuple[Receiver, int],
) -> None:  # fmt: skip
    await _place(notify_gql, world, notify_settings)
    await run_jobs(settings=notify_settings)
    event = await OutboxEvent.get(topic="order.placed")
    queue = create_queue(notify_settings)
    try:
        ctx = {"redis": queue, "settings": notify_settings, "job_try": 1}
        assert await deliver_outbox_event(ctx, event.id) == 3  # finds the three, makes none
        await run_jobs(settings=notify_settings)
        some = await Notification.filter(user_id=world.buyer.id).first()
        assert some is not None
        assert await send_notification_email(ctx, some.id) is None  # already SENT: nothing sent
    finally:
        await queue.aclose()
    assert len(mailbox[0].messages) == 3 and len(receiver[0].calls) == 3
    assert await Notification.all().count() == 3


async def test_a_gateway_503_twice_then_200_is_delivered_once_and_a_400_fails_for_good(
    world: Shop, notify_gql: GraphQLClient, notify_settings: Settings, run_jobs: Any,
    receiver: tuple[Receiver, int],
) -> None:  # fmt: skip
    gateway = receiver[0]
    quiet = notify_settings.model_copy(update={"email_enabled": False})
    # Only the buyer is told about a transfer order waiting for payment: one webhook call to script.
    gateway.script = [503, 503, 200]
    await _place(notify_gql, world, quiet, key="transfer", payment="BANK_TRANSFER")
    await run_jobs(settings=quiet)
    [waiting] = await Notification.filter(template="order_awaiting_payment_buyer")
    assert (waiting.webhook_status, waiting.webhook_attempts) == (DeliveryStatus.SENT, 3)
    assert len(gateway.calls) == 3 and len({body for body, _ in gateway.calls}) == 1

    gateway.calls.clear()
    gateway.script = [400]
    order = await Order.get(idempotency_key="transfer")
    admin = await make_user(Role.MARKET_ADMIN, market=world.market)
    await orders_service.cancel_order(actor=admin, order_id=order.id, reason="Salah alamat")
    queue = create_queue(quiet)
    try:
        await relay_outbox({"redis": queue})
    finally:
        await queue.aclose()
    await run_jobs(settings=quiet)
    [cancelled] = await Notification.filter(template="cancelled_buyer")
    assert (cancelled.webhook_status, cancelled.webhook_attempts) == (DeliveryStatus.FAILED, 1)
    assert "400" in (cancelled.webhook_error or "")
    assert len(gateway.calls) == 1  # not retried


async def test_each_step_tells_the_right_people(
    world: Shop, notify_gql: GraphQLClient, notify_settings: Settings, run_jobs: Any, mailbox: Any,
) -> None:  # fmt: skip
    order = await _place(notify_gql, world, notify_settings)
    await run_jobs(settings=notify_settings)
    mailbox[0].messages.clear()
    placed = await Order.get(number=order["number"])
    part_a, part_b = await StallOrder.filter(order_id=placed.id).order_by("id")
    trader_a, trader_b = world.traders
    await orders_service.reject_stall_order(actor=trader_b, stall_order_id=part_b.id, reason="Beras habis")
    await orders_service.accept_stall_order(actor=trader_a, stall_order_id=part_a.id)
    fish = await OrderItem.get(stall_order_id=part_a.id)
    await orders_service.set_fulfilled_quantity(  # weighed at exactly what was ordered: nothing to tell
        actor=trader_a, order_item_id=fish.id, quantity=fish.quantity, settings=notify_settings
    )
    await orders_service.mark_stall_order_ready(actor=trader_a, stall_order_id=part_a.id)
    queue = create_queue(notify_settings)
    try:
        await relay_outbox({"redis": queue})
    finally:
        await queue.aclose()
    await run_jobs(settings=notify_settings)

    to_buyer = [m["Subject"] for m in mailbox[0].to("sri@example.id")]
    number = order["number"]
    assert sorted(to_buyer) == sorted([
        f"Sebagian pesanan {number} ditolak", f"Pesanan {number} disiapkan", f"Pesanan {number} siap diantar",
    ])  # fmt: skip
    rejected = next(m for m in mailbox[0].to("sri@example.id") if "ditolak" in m["Subject"])
    after = await Order.get(id=placed.id)
    assert after.total == 13300 + after.delivery_fee  # only the fish is left: 0.35 kg × Rp 38.000
    new_total = f"Rp {after.total:,}".replace(",", ".")
    assert "Beras habis" in rejected.text() and f"Total baru {new_total}" in rejected.text()
    assert mailbox[0].to("slamet@example.id") == [] and mailbox[0].to("lilik@example.id") == []


async def test_people_see_and_mark_only_their_own(
    world: Shop, notify_gql: GraphQLClient, notify_settings: Settings, run_jobs: Any,
) -> None:  # fmt: skip
    await _place(notify_gql, world, notify_settings)
    await run_jobs(settings=notify_settings)
    theirs = await Notification.filter(user_id=world.traders[0].id).first()
    assert theirs is not None

    notify_gql.token = token_for(world.buyer, notify_settings)
    mine = await notify_gql(NOTIFICATIONS, {})
    assert mine["unreadNotificationCount"] == 1
    my_id = mine["notifications"]["edges"][0]["node"]["id"]
    marked = (await notify_gql(MARK, {"ids": [my_id, to_base64("Notification", theirs.id)]}))["markNotificationsRead"]
    assert marked == {"count": 1, "errors": []}
    assert (await notify_gql(NOTIFICATIONS, {"unread": True}))["notifications"]["edges"] == []
    assert (await Notification.get(id=theirs.id)).read_at is None

    notify_gql.token = None
    errors = await notify_gql.errors(NOTIFICATIONS, {})
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_unpaid_order_that_expires_tells_the_buyer(
    world: Shop, notify_settings: Settings, run_jobs: Any, mailbox: Any,
) -> None:  # fmt: skip
    request = orders_service.OrderRequest(
        items=[orders_service.ItemInput(world.second_product.id, Decimal("2"))],
        address=orders_service.AddressInput(line="Jl. Kawi 1", recipient_name="Bu Sri", recipient_phone="081234567890",
                                            lat=float(world.market.latitude), lng=float(world.market.longitude)),
        slot=orders_service.SlotInput(tomorrow(), SlotWindow.MIDDAY),
        payment_method=PaymentMethod.QRIS, note="", idempotency_key="qris",
    )  # fmt: skip
    order = await orders_service.place_order(actor=world.buyer, request=request, settings=notify_settings)
    await Order.filter(id=order.id).update(payment_due_at=now() - timedelta(minutes=1))
    queue = create_queue(notify_settings)
    try:
        from src.jobs.orders import expire_unpaid_orders

        assert await expire_unpaid_orders({"redis": queue}) == 1
        await relay_outbox({"redis": queue})
    finally:
        await queue.aclose()
    await run_jobs(settings=notify_settings)
    subjects = [m["Subject"] for m in mailbox[0].to("sri@example.id")]
    assert f"Pesanan {order.number} batal" in subjects


async def test_people_are_written_to_in_the_language_they_signed_up_in(gql: GraphQLClient) -> None:
    register = """mutation($phone: String!) { register(input: {phone: $phone, password: "kopi-tubruk-malang",
      name: "Tourist"}) { user { language } errors { code } } }"""
    gql.language = "en"
    english = (await gql(register, {"phone": "0812-9999-0001"}))["register"]
    gql.language = None
    indonesian = (await gql(register, {"phone": "0812-9999-0002"}))["register"]
    assert (english["user"]["language"], indonesian["user"]["language"]) == ("en", "id")


@pytest.mark.parametrize(("script", "status", "calls"), [([429, 200], "SENT", 2), ([301], "FAILED", 1)])
async def test_busy_gateways_are_retried_and_redirects_are_failures(
    world: Shop, notify_gql: GraphQLClient, notify_settings: Settings, run_jobs: Any,
    receiver: tuple[Receiver, int], script: list[int], status: str, calls: int,
) -> None:  # fmt: skip
    quiet = notify_settings.model_copy(update={"email_enabled": False})
    receiver[0].script = list(script)
    await _place(notify_gql, world, quiet, key="transfer", payment="BANK_TRANSFER")  # the buyer only
    await run_jobs(settings=quiet)
    [waiting] = await Notification.filter(template="order_awaiting_payment_buyer")
    assert (waiting.webhook_status.value, len(receiver[0].calls)) == (status, calls)


async def test_what_a_lost_job_left_behind_is_finished_by_the_relay(
    world: Shop, notify_gql: GraphQLClient, notify_settings: Settings, run_jobs: Any, mailbox: Any,
    redis: Any,
) -> None:  # fmt: skip
    await _place(notify_gql, world, notify_settings)
    await redis.flushdb()  # the event's job vanished after the hand-over (a worker died with it)
    event = await OutboxEvent.get(topic="order.placed")
    assert event.dispatched_at is not None and event.processed_at is None
    await OutboxEvent.filter(id=event.id).update(dispatched_at=now() - timedelta(minutes=30))
    queue = create_queue(notify_settings)
    try:
        assert await relay_outbox({"redis": queue}) == 1  # handed over again
        await run_jobs(settings=notify_settings)
        assert len(mailbox[0].messages) == 3
        # A delivery whose job was lost (left SENDING) is queued again, and sent once.
        buyer_note = await Notification.get(user_id=world.buyer.id)
        await Notification.filter(id=buyer_note.id).update(
            email_status=DeliveryStatus.SENDING, created_at=now() - timedelta(minutes=30)
        )
        await relay_outbox({"redis": queue})
    finally:
        await queue.aclose()
    await run_jobs(settings=notify_settings)
    assert len(mailbox[0].to("sri@example.id")) == 2  # the lost one was delivered again (at least once)
    assert (await Notification.get(id=buyer_note.id)).email_status == DeliveryStatus.SENT
    assert (await OutboxEvent.get(id=event.id)).processed_at is not None


async def test_a_late_notification_tells_what_was_true_at_the_event(
    world: Shop, notify_settings: Settings, run_jobs: Any, mailbox: Any,
) -> None:  # fmt: skip
    down = notify_settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    app = create_app(down, manage_orm=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            order = await _place(GraphQLClient(http), world, down)  # told nobody yet: Redis is down
    placed = await Order.get(number=order["number"])
    part_b = (await StallOrder.filter(order_id=placed.id).order_by("id"))[1]
    await orders_service.reject_stall_order(actor=world.traders[1], stall_order_id=part_b.id, reason="Habis")
    queue = create_queue(notify_settings)
    try:
        await relay_outbox({"redis": queue})
    finally:
        await queue.aclose()
    await run_jobs(settings=notify_settings)
    receipt = next(m for m in mailbox[0].to("sri@example.id") if "diterima" in m["Subject"])
    placed_total = f"Rp {order['total']['amount']:,}".replace(",", ".")
    assert placed_total in receipt.text()  # the total when it was placed, not after the rejection
    assert len(mailbox[0].to("lilik@example.id")) == 1  # Bu Lilik still heard of the new order first


async def test_nodes_of_notifications_and_order_items_follow_who_may_see_them(
    world: Shop, notify_gql: GraphQLClient, notify_settings: Settings, run_jobs: Any,
) -> None:  # fmt: skip
    await _place(notify_gql, world, notify_settings)
    await run_jobs(settings=notify_settings)
    mine = await Notification.get(user_id=world.buyer.id)
    item = await OrderItem.filter(product_name="Beras").first()
    assert item is not None
    query = "query($a: ID!, $b: ID!) { a: node(id: $a) { id } b: node(id: $b) { id } }"
    ids = {"a": to_base64("Notification", mine.id), "b": to_base64("OrderItem", item.id)}
    notify_gql.token = token_for(world.buyer, notify_settings)
    assert await notify_gql(query, ids) == {"a": {"id": ids["a"]}, "b": {"id": ids["b"]}}
    notify_gql.token = token_for(world.traders[0], notify_settings)  # not their part, not their notification
    assert await notify_gql(query, ids) == {"a": None, "b": None}
    # The item's part follows the same rule: its trader and the buyer see it, the other trader does not.
    part = {"a": to_base64("StallOrder", item.stall_order_id), "b": ids["b"]}
    for who, seen in ((world.traders[1], True), (world.buyer, True), (world.traders[0], False)):
        notify_gql.token = token_for(who, notify_settings)
        expected = {"a": {"id": part["a"]}, "b": {"id": part["b"]}} if seen else {"a": None, "b": None}
        assert await notify_gql(query, part) == expected


async def test_a_refund_is_told_to_the_buyer_made_and_paid_and_to_the_admin_who_pays_it(
    world: Shop, notify_settings: Settings, run_jobs: Any, mailbox: Any, receiver: tuple[Receiver, int],
) -> None:  # fmt: skip
    from src.models.payments import Refund
    from src.services import payments

    admin = await make_user(Role.MARKET_ADMIN, market=world.market, email="admin@example.id", language="en")
    request = orders_service.OrderRequest(
        items=[orders_service.ItemInput(world.second_product.id, Decimal("2"))],
        address=orders_service.AddressInput(line="Jl. Kawi 1", recipient_name="Bu Sri", recipient_phone="081234567890",
                                            lat=float(world.market.latitude), lng=float(world.market.longitude)),
        slot=orders_service.SlotInput(tomorrow(), SlotWindow.MIDDAY),
        payment_method=PaymentMethod.QRIS, note="", idempotency_key="refund",
    )  # fmt: skip
    order = await orders_service.place_order(actor=world.buyer, request=request, settings=notify_settings)
    await orders_service.confirm_payment(actor=admin, order_id=order.id)
    await orders_service.cancel_order(actor=world.buyer, order_id=order.id, reason="tidak jadi")
    refund = await Refund.get(order_id=order.id)
    amount = f"Rp {refund.amount:,}".replace(",", ".")
    queue = create_queue(notify_settings)
    try:
        await relay_outbox({"redis": queue})
        await run_jobs(settings=notify_settings)
        await payments.mark_refund_paid(actor=admin, refund_id=refund.id, reference="BCA-778")
        await relay_outbox({"redis": queue})
        await run_jobs(settings=notify_settings)
    finally:
        await queue.aclose()
    box, gateway = mailbox[0], receiver[0]
    to_buyer = {m["Subject"]: m.text() for m in box.to("sri@example.id")}
    assert f"Dana {amount} dikembalikan" in to_buyer
    made = to_buyer[f"Dana {amount} dikembalikan"]
    assert f"Pesanan {order.number}: pesanan dibatalkan, jadi {amount} kami kembalikan." in made
    assert "Pengelola pasar akan mentransfernya ke Anda." in made
    assert "(referensi BCA-778)" in to_buyer[f"Dana {amount} sudah dikembalikan"]
    [to_admin] = [m for m in box.to("admin@example.id") if m["Subject"].startswith("Refund")]
    assert to_admin["Subject"] == f"Refund {amount} to the buyer"
    assert f"Order {order.number}: the order was cancelled. Send {amount} to the buyer" in to_admin.text()
    templates = sorted(c["template"] for c in gateway.bodies() if c["template"].startswith("refund"))
    assert templates == ["refund_created_buyer", "refund_paid_buyer", "refund_to_pay_admin"]
    told = await Notification.filter(user_id=world.buyer.id, type__startswith="refund.").order_by("id")
    assert [(n.type, n.data["refundId"]) for n in told] == [("refund.created", refund.id), ("refund.paid", refund.id)]
    # The traders hear nothing of the order's refund (a cancellation's holds the order's total).
    assert not await Notification.filter(user_id__in=[t.id for t in world.traders], type__startswith="refund.")

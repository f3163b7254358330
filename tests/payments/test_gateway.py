"""The payment gateway (Xendit) against a local Xendit started by the test session: the QR made there after
the commit, callbacks (replayed, tampered, late), refunds paid through it, and the fallback when it is down."""

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from arq import Retry
from pydantic import SecretStr
from strawberry.relay import to_base64

from src.app import create_app
from src.jobs.payments import QR_MAX_TRIES, REFUND_MAX_TRIES, pay_gateway_refund, request_gateway_qr
from src.jobs.queue import create_queue
from src.models.notifications import Notification
from src.models.orders import Order, OrderEvent, OrderStatus, PaymentMethod, PaymentStatus
from src.models.outbox import OutboxEvent
from src.models.payments import (
    Gateway,
    Payment,
    PaymentSettings,
    PaymentState,
    Refund,
    RefundMethod,
    RefundReason,
    RefundStatus,
)
from src.services import notifications as notifications_service
from src.services import orders as orders_service
from src.services import payments
from src.settings import Settings
from tests.factories import token_for
from tests.support.processes import free_port
from tests.support.qris import parse
from tests.support.world import World, make_world
from tests.support.xendit import API_KEY, CALLBACK_TOKEN, FakeXendit

CALLBACK = "/payments/callback/xendit"


@pytest.fixture
def gateway_settings(settings: Settings, xendit: FakeXendit) -> Settings:
    return settings.model_copy(
        update={
            "xendit_api_key": SecretStr(API_KEY),
            "xendit_callback_token": SecretStr(CALLBACK_TOKEN),
            "xendit_base_url": xendit.base_url,
            "xendit_timeout_seconds": 1.0,
        }
    )


@pytest_asyncio.fixture
async def gw(clean_db: None, gateway_settings: Settings) -> World:
    """The world, its market paid through the gateway (set by its admin)."""
    world = await make_world(gateway_settings)
    await payments.set_market_payment_settings(
        actor=world.admin, market_id=world.market.id, changes=payments.SettingsChanges(gateway="XENDIT"),
        settings=gateway_settings,
    )  # fmt: skip
    return world


@pytest_asyncio.fixture
async def client(clean_db: None, gateway_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The API with the gateway configured (the callback's endpoint)."""
    application = create_app(gateway_settings, manage_orm=False)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=("203.0.113.20", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture
def relay(run_jobs: Any) -> Any:
    """The outbox handed over, as the relay would, and the jobs run (on `settings`)."""

    async def _relay(settings: Settings) -> None:
        queue = create_queue(settings)
        try:
            await notifications_service.hand_over(queue)
        finally:
            await queue.aclose()
        await run_jobs(settings=settings)

    return _relay


async def _gateway_order(gw: World, relay: Any, settings: Settings) -> tuple[Order, Payment]:
    """A QRIS order of the gateway's market, its QR made at the gateway by the job after the commit."""
    order = await gw.order(method=PaymentMethod.QRIS, ready=False)
    await relay(settings)
    payment = await Payment.get(order_id=order.id)
    assert payment.gateway_id is not None, "the gateway made the QR"
    return order, payment


async def _events(order: Order, kind: str) -> int:
    return await OrderEvent.filter(order_id=order.id, type=kind).count()


async def test_a_qris_order_shows_the_gateways_qr_for_exactly_the_amount_due(
    gw: World, xendit: FakeXendit, relay: Any, gateway_settings: Settings
) -> None:
    order = await gw.order(method=PaymentMethod.QRIS, ready=False)
    placed = await Payment.get(order_id=order.id)
    # Committed before the gateway is asked: the market's own dynamic QRIS shows meanwhile, nothing sent yet.
    assert xendit.created("/payment_requests") == []
    assert placed.gateway == Gateway.XENDIT and placed.gateway_reference == order.number
    assert parse(placed.qris_payload or "")["59"].startswith("PASAR UJI")

    await relay(gateway_settings)

    payment = await Payment.get(order_id=order.id)
    [request] = xendit.requests.values()
    assert (request["reference_id"], request["amount"]) == (order.number, payment.amount_due)
    assert payment.gateway_id == request["id"]
    assert payment.qris_payload == request["payment_method"]["qr_code"]["channel_properties"]["qr_string"]
    fields = parse(payment.qris_payload or "")
    assert (fields["01"], fields["54"], fields["59"]) == ("12", str(payment.amount_due), "PASAR ONLINE")
    # A second run of the job (at-least-once) asks for nothing new.
    await payments.gateway.request_qr(payment_id=payment.id, provider=payments.gateway.provider_for(gateway_settings))  # type: ignore[arg-type]
    assert len(xendit.created("/payment_requests")) == 1


@pytest.mark.parametrize("fault", ["slow", "5xx", "refused"])
async def test_with_the_gateway_down_the_order_keeps_the_markets_own_qr(
    gw: World, xendit: FakeXendit, relay: Any, gateway_settings: Settings, fault: str
) -> None:
    settings = gateway_settings
    if fault == "slow":
        xendit.stall_seconds = 2.5  # longer than XENDIT_TIMEOUT_SECONDS (1 s)
    elif fault == "5xx":
        xendit.fail_status = 503
    else:
        settings = gateway_settings.model_copy(update={"xendit_base_url": f"http://127.0.0.1:{free_port()}"})
    order = await gw.order(method=PaymentMethod.QRIS, ready=False)
    own = (await Payment.get(order_id=order.id)).qris_payload

    await relay(settings)

    payment = await Payment.get(order_id=order.id)
    assert payment.qris_payload == own and own is not None
    assert parse(own)["54"] == str(payment.amount_due)
    assert (payment.gateway, payment.gateway_id, payment.state) == (None, None, PaymentState.PENDING)
    # Paid the manual way: the admin confirms it.
    await orders_service.confirm_payment(actor=gw.admin, order_id=order.id)
    assert (await Order.get(id=order.id)).payment_status == PaymentStatus.PAID


async def test_a_callback_replayed_ten_times_at_once_pays_the_order_once_and_tells_once(
    gw: World, xendit: FakeXendit, relay: Any, gateway_settings: Settings, client: httpx.AsyncClient
) -> None:
    order, payment = await _gateway_order(gw, relay, gateway_settings)
    headers, body = xendit.pay(payment.gateway_id or "")

    answers = await asyncio.gather(*(client.post(CALLBACK, content=body, headers=headers) for _ in range(10)))

    assert [a.status_code for a in answers] == [200] * 10
    assert sorted(a.json()["status"] for a in answers) == ["IGNORED"] * 9 + ["PAID"]
    order = await Order.get(id=order.id)
    paid = await Payment.get(id=payment.id)
    assert (order.status, order.payment_status) == (OrderStatus.PLACED, PaymentStatus.PAID)
    assert (paid.state, paid.paid_amount) == (PaymentState.PAID, payment.amount_due)
    assert paid.gateway_payment_id is not None and paid.gateway_payment_id.startswith("py-")
    assert await _events(order, "PAYMENT_CONFIRMED") == 1
    assert await OutboxEvent.filter(topic="order.payment_confirmed").count() == 1
    await relay(gateway_settings)
    told = await Notification.filter(type="order.payment_confirmed", user_id=gw.buyer.id).count()
    assert told == 1
    assert not await Refund.exists()
    # And once more, later: still nothing new.
    again = await client.post(CALLBACK, content=body, headers=headers)
    assert again.json()["status"] == "IGNORED"
    assert await _events(order, "PAYMENT_CONFIRMED") == 1


@pytest.mark.parametrize(
    "tamper", ["wrong token", "no token", "another amount", "another currency", "unknown reference"]
)
async def test_a_callback_that_is_not_right_changes_nothing_and_is_logged(
    gw: World,
    xendit: FakeXendit,
    relay: Any,
    gateway_settings: Settings,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    tamper: str,
) -> None:
    order, payment = await _gateway_order(gw, relay, gateway_settings)
    amount = payment.amount_due - 1 if tamper == "another amount" else None
    headers, body = xendit.pay(
        payment.gateway_id or "", amount=amount, currency="USD" if tamper == "another currency" else "IDR"
    )
    if tamper == "wrong token":
        headers["x-callback-token"] = CALLBACK_TOKEN[:-1] + "x"
    elif tamper == "no token":
        del headers["x-callback-token"]
    elif tamper == "unknown reference":
        body = body.replace(order.number.encode(), b"PSR-19990101-0001")
    events_before = await OutboxEvent.all().count()

    with caplog.at_level(logging.WARNING, logger="src.services.orders.gateway"):
        answer = await client.post(CALLBACK, content=body, headers=headers)

    assert answer.status_code == (401 if "token" in tamper else 200)
    unchanged = await Payment.get(id=payment.id)
    assert (unchanged.state, unchanged.paid_amount, unchanged.gateway_payment_id) == (PaymentState.PENDING, 0, None)
    assert (await Order.get(id=order.id)).status == OrderStatus.AWAITING_PAYMENT
    assert await OutboxEvent.all().count() == events_before
    reasons = [r.gateway_callback["reason"] for r in caplog.records if hasattr(r, "gateway_callback")]
    expected = {
        "wrong token": "WRONG_TOKEN", "no token": "WRONG_TOKEN", "another amount": "AMOUNT",
        "another currency": "CURRENCY", "unknown reference": "UNKNOWN_REFERENCE",
    }  # fmt: skip
    assert reasons == [expected[tamper]]


async def test_money_after_expiry_is_recorded_and_refunded_through_the_gateway(
    gw: World, xendit: FakeXendit, relay: Any, gateway_settings: Settings, client: httpx.AsyncClient
) -> None:
    order, payment = await _gateway_order(gw, relay, gateway_settings)
    await orders_service._cancel(order.id, None, "PAYMENT_EXPIRED", allowed={OrderStatus.AWAITING_PAYMENT})
    headers, body = xendit.pay(payment.gateway_id or "")

    answers = await asyncio.gather(*(client.post(CALLBACK, content=body, headers=headers) for _ in range(3)))

    assert sorted(a.json()["status"] for a in answers) == ["IGNORED", "IGNORED", "LATE"]
    [refund] = await Refund.all()
    assert (refund.amount, refund.reason, refund.method, refund.status) == (
        payment.amount_due, RefundReason.LATE_PAYMENT, RefundMethod.GATEWAY, RefundStatus.PENDING,
    )  # fmt: skip
    await relay(gateway_settings)
    refund = await Refund.get(id=refund.id)
    [made] = xendit.refunds.values()
    assert (refund.status, refund.reference, refund.gateway_refund_id) == (RefundStatus.PAID, made["id"], made["id"])
    assert refund.paid_at is not None
    assert (made["amount"], made["payment_request_id"], made["reference_id"]) == (
        payment.amount_due, payment.gateway_id, f"pasar-refund-{refund.id}",
    )  # fmt: skip
    paid = await Payment.get(id=payment.id)
    order = await Order.get(id=order.id)
    assert paid.paid_amount - await payments.refunds.refunded(paid) == payments.owed(order, paid) == 0


async def _paid_through_gateway(
    gw: World, xendit: FakeXendit, relay: Any, settings: Settings, client: httpx.AsyncClient
) -> tuple[Order, Payment]:
    order, payment = await _gateway_order(gw, relay, settings)
    headers, body = xendit.pay(payment.gateway_id or "")
    assert (await client.post(CALLBACK, content=body, headers=headers)).json()["status"] == "PAID"
    return await Order.get(id=order.id), await Payment.get(id=payment.id)


async def _complaint_refund(payment: Payment, amount: int | None = None) -> Refund:
    """A refund of the payment (all of it unless told), with its `refund.created` event, as a complaint's."""
    refund = await payments.refunds.create_refund(
        payment, amount=amount or payment.paid_amount, reason=RefundReason.COMPLAINT
    )
    assert refund is not None
    return refund


async def test_a_failed_gateway_refund_is_replaced_by_a_manual_one(
    gw: World, xendit: FakeXendit, relay: Any, gateway_settings: Settings, client: httpx.AsyncClient
) -> None:
    _, payment = await _paid_through_gateway(gw, xendit, relay, gateway_settings, client)
    xendit.refund_state, xendit.refund_failure = "FAILED", "INSUFFICIENT_BALANCE"
    await _complaint_refund(payment)

    await relay(gateway_settings)

    failed, manual = await Refund.all().order_by("id")
    assert (failed.method, failed.status, failed.failure) == (
        RefundMethod.GATEWAY, RefundStatus.FAILED, "INSUFFICIENT_BALANCE",
    )  # fmt: skip
    assert (manual.method, manual.status, manual.amount, manual.reason) == (
        RefundMethod.MANUAL, RefundStatus.PENDING, failed.amount, failed.reason,
    )  # fmt: skip
    assert failed.amount == payment.amount_due
    # What is given back is still the whole payment, once: the manual refund instead of the failed one.
    payment = await Payment.get(id=payment.id)
    assert await payments.refunds.refunded(payment) == payment.paid_amount
    assert await payments.refunds.refundable(payment) == 0
    assert len(xendit.created("/refunds")) == 1  # the manual one is the admin's to pay, not the gateway's


async def test_a_refund_whose_answer_was_lost_is_not_made_twice(
    gw: World, xendit: FakeXendit, relay: Any, gateway_settings: Settings, client: httpx.AsyncClient
) -> None:
    _, payment = await _paid_through_gateway(gw, xendit, relay, gateway_settings, client)
    await _complaint_refund(payment)
    [refund] = await Refund.all()
    provider = payments.gateway.provider_for(gateway_settings)
    assert provider is not None
    xendit.answer_late_seconds = 2.0  # the refund is made at the gateway, its answer comes too late

    with pytest.raises(payments.gateway.GatewayError):
        await payments.gateway.pay_refund(refund_id=refund.id, provider=provider)
    assert (await Refund.get(id=refund.id)).status == RefundStatus.PENDING
    xendit.answer_late_seconds = 0
    status = await payments.gateway.pay_refund(refund_id=refund.id, provider=provider)
    again = await payments.gateway.pay_refund(refund_id=refund.id, provider=provider)

    assert status == again == RefundStatus.PAID
    assert len(xendit.created("/refunds")) == 2 and len(xendit.refunds) == 1  # asked twice, refunded once
    [made] = xendit.refunds.values()
    assert (await Refund.get(id=refund.id)).reference == made["id"]


async def test_a_refund_the_gateway_is_still_working_on_is_asked_again_until_it_ends(
    gw: World, xendit: FakeXendit, relay: Any, gateway_settings: Settings, client: httpx.AsyncClient
) -> None:
    _, payment = await _paid_through_gateway(gw, xendit, relay, gateway_settings, client)
    xendit.refund_state = "PENDING"
    await _complaint_refund(payment)
    [refund] = await Refund.all()
    provider = payments.gateway.provider_for(gateway_settings)
    assert provider is not None

    assert await payments.gateway.pay_refund(refund_id=refund.id, provider=provider) == RefundStatus.PENDING
    [made] = xendit.refunds.values()
    assert (await Refund.get(id=refund.id)).gateway_refund_id == made["id"]
    xendit.settle_refund(made["id"])
    assert await payments.gateway.pay_refund(refund_id=refund.id, provider=provider) == RefundStatus.PAID
    assert len(xendit.created("/refunds")) == 1 and ("GET", f"/refunds/{made['id']}") in xendit.calls


async def test_when_the_amount_due_changes_before_payment_the_gateways_qr_follows(
    gw: World, xendit: FakeXendit, relay: Any, gateway_settings: Settings, client: httpx.AsyncClient
) -> None:
    order, first = await _gateway_order(gw, relay, gateway_settings)
    await Order.filter(id=order.id).update(total=order.total - 1_000)  # as a rejected part would
    await payments.follow_total(await Order.get(id=order.id))
    meanwhile = await Payment.get(id=first.id)
    assert meanwhile.gateway_id is None and parse(meanwhile.qris_payload or "")["59"].startswith("PASAR UJI")

    await relay(gateway_settings)

    second = await Payment.get(id=first.id)
    assert second.amount_due == first.amount_due - 1_000
    assert second.gateway_id not in (None, first.gateway_id)
    assert parse(second.qris_payload or "")["54"] == str(second.amount_due)
    # Money for the dropped request is not this payment's: ignored (and logged).
    headers, body = xendit.pay(first.gateway_id or "")
    assert (await client.post(CALLBACK, content=body, headers=headers)).json()["status"] == "IGNORED"
    headers, body = xendit.pay(second.gateway_id or "")
    assert (await client.post(CALLBACK, content=body, headers=headers)).json()["status"] == "PAID"
    assert (await Payment.get(id=first.id)).paid_amount == second.amount_due


async def test_with_the_gateway_off_the_manual_flows_work_and_the_callback_is_not_there(
    world: World, xendit: FakeXendit, relay: Any, http: httpx.AsyncClient, settings: Settings
) -> None:
    # The market's settings name the gateway, but this process has no key: the market's own QRIS.
    await PaymentSettings.filter(scope=f"market:{world.market.id}").update(gateway=Gateway.XENDIT)
    order = await world.order(method=PaymentMethod.QRIS, ready=False)
    await relay(settings)
    payment = await Payment.get(order_id=order.id)
    assert (payment.gateway, payment.gateway_reference) == (None, None)
    assert parse(payment.qris_payload or "")["54"] == str(payment.amount_due)
    assert xendit.calls == []
    await orders_service.confirm_payment(actor=world.admin, order_id=order.id)
    assert (await Payment.get(order_id=order.id)).state == PaymentState.PAID
    answer = await http.post(CALLBACK, content=b"{}", headers={"x-callback-token": CALLBACK_TOKEN})
    assert answer.status_code == 404
    # A refund of a payment confirmed by hand is the admin's (MANUAL), and starts no gateway job.
    await _complaint_refund(await Payment.get(order_id=order.id), amount=5_000)
    await relay(settings)
    [refund] = await Refund.all()
    assert (refund.method, refund.status) == (RefundMethod.MANUAL, RefundStatus.PENDING)
    assert xendit.calls == []


async def test_a_gateway_refund_ends_failed_and_replaced_when_the_gateway_stays_down(
    gw: World, xendit: FakeXendit, relay: Any, gateway_settings: Settings, client: httpx.AsyncClient
) -> None:
    _, payment = await _paid_through_gateway(gw, xendit, relay, gateway_settings, client)
    refund = await _complaint_refund(payment, amount=2_000)
    xendit.fail_status = 503
    ctx: dict[str, Any] = {"settings": gateway_settings, "job_try": 1}

    with pytest.raises(Retry):  # a fault that may pass: tried again later
        await pay_gateway_refund(ctx, refund.id)
    assert (await Refund.get(id=refund.id)).status == RefundStatus.PENDING
    result = await pay_gateway_refund(ctx | {"job_try": REFUND_MAX_TRIES}, refund.id)

    assert result == "FAILED"
    failed, manual = await Refund.all().order_by("id")
    assert failed.status == RefundStatus.FAILED and (failed.failure or "").startswith("GATEWAY_UNAVAILABLE")
    assert (manual.method, manual.status, manual.amount) == (RefundMethod.MANUAL, RefundStatus.PENDING, 2_000)
    assert await payments.refunds.refunded(await Payment.get(id=payment.id)) == 2_000
    # Run again (at least once): nothing more.
    assert await pay_gateway_refund(ctx | {"job_try": REFUND_MAX_TRIES}, refund.id) == "FAILED"
    assert await Refund.all().count() == 2


async def test_without_a_qr_of_its_own_the_order_waits_for_the_gateway_then_gives_up(
    gw: World, xendit: FakeXendit, gateway_settings: Settings
) -> None:
    await PaymentSettings.filter(scope=f"market:{gw.market.id}").update(qris_payload=None)  # the gateway alone
    order = await gw.order(method=PaymentMethod.QRIS, ready=False)
    payment = await Payment.get(order_id=order.id)
    assert payment.qris_payload is None and payment.gateway == Gateway.XENDIT
    xendit.fail_status = 503
    ctx: dict[str, Any] = {"settings": gateway_settings, "job_try": 1}

    with pytest.raises(Retry):
        await request_gateway_qr(ctx, payment.id)
    xendit.fail_status = None
    assert await request_gateway_qr(ctx | {"job_try": 2}, payment.id) == "GATEWAY"
    assert parse((await Payment.get(id=payment.id)).qris_payload or "")["54"] == str(payment.amount_due)

    other = await gw.order(method=PaymentMethod.QRIS, ready=False)
    other_payment = await Payment.get(order_id=other.id)
    xendit.fail_status = 503
    assert await request_gateway_qr(ctx | {"job_try": QR_MAX_TRIES}, other_payment.id) == "FAILED"
    given_up = await Payment.get(id=other_payment.id)
    assert (given_up.gateway, given_up.qris_payload, given_up.state) == (None, None, PaymentState.PENDING)


SWITCH = """mutation($input: SetMarketPaymentSettingsInput!) { setMarketPaymentSettings(input: $input) {
  market { id } errors { field code message } } }"""


async def test_a_market_admin_switches_the_gateway_on_only_where_it_is_configured(
    world: World, http: httpx.AsyncClient, client: httpx.AsyncClient, settings: Settings
) -> None:
    variables = {"input": {"marketId": to_base64("Market", world.market.id), "gateway": "XENDIT"}}
    scope = f"market:{world.market.id}"

    async def switch(api: httpx.AsyncClient, user: Any) -> list[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {token_for(user, settings)}"}
        answer = await api.post("/graphql", json={"query": SWITCH, "variables": variables}, headers=headers)
        return list(answer.json()["data"]["setMarketPaymentSettings"]["errors"])

    assert await switch(http, world.admin) == [  # this process has no gateway configured
        {
            "field": "input.gateway",
            "code": "INVALID_INPUT",
            "message": "Gateway pembayaran ini belum dipasang di server.",
        }
    ]
    assert (await PaymentSettings.get(scope=scope)).gateway is None
    assert [e["code"] for e in await switch(client, world.other_admin)] == ["PERMISSION_DENIED"]
    assert (await PaymentSettings.get(scope=scope)).gateway is None
    assert await switch(client, world.admin) == []
    assert (await PaymentSettings.get(scope=scope)).gateway == Gateway.XENDIT

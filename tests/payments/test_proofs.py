"""A transfer's proof: the buyer sends a photo, the admin is told and confirms; the buyer is told the exact amount."""

import json
from typing import Any

import httpx
from strawberry.relay import to_base64

from src.jobs.queue import create_queue
from src.models.notifications import Notification
from src.models.orders import Order, OrderStatus, PaymentMethod
from src.models.payments import Payment, PaymentState
from src.services import notifications as notifications_service
from src.services import orders as orders_service
from src.services.common import money
from src.settings import Settings
from tests.factories import make_user, token_for
from tests.photos.images import jpeg
from tests.support.world import World

PROOF = """mutation($input: SubmitPaymentProofInput!) { submitPaymentProof(input: $input) {
  order { status payment { status proofUrl } } errors { field code } } }"""


async def _relay(settings: Settings, run_jobs: Any) -> None:
    """The outbox handed over, as the relay would, and the jobs run."""
    queue = create_queue(settings)
    try:
        await notifications_service.hand_over(queue)
    finally:
        await queue.aclose()
    await run_jobs()


async def _send_proof(http: httpx.AsyncClient, token: str, order: Order, photo: bytes) -> dict[str, Any]:
    variables = {"input": {"orderId": to_base64("Order", order.id), "file": None}}
    response = await http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": PROOF, "variables": variables}),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": ("bukti.jpg", photo, "image/jpeg")},
        headers={"Authorization": f"Bearer {token}", "GraphQL-Preflight": "1"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["data"]["submitPaymentProof"])


async def test_the_buyer_sends_a_proof_and_the_admin_confirms_against_it(
    world: World, http: httpx.AsyncClient, settings: Settings, run_jobs: Any
) -> None:
    order = await world.order(method=PaymentMethod.BANK_TRANSFER, ready=False)
    sent = await _send_proof(http, token_for(world.buyer, settings), order, jpeg(800, 600, gps=True))
    assert sent["errors"] == []
    assert sent["order"]["status"] == "AWAITING_PAYMENT"
    assert sent["order"]["payment"]["status"] == "PROOF_RECEIVED" and sent["order"]["payment"]["proofUrl"]
    payment = await Payment.get(order_id=order.id)
    assert payment.state == PaymentState.PROOF_RECEIVED and payment.proof_key
    await _relay(settings, run_jobs)
    [told] = await Notification.filter(template="payment_proof_admin", user_id=world.admin.id)
    assert money.rupiah(payment.amount_due) in told.body
    await orders_service.confirm_payment(actor=world.admin, order_id=order.id)
    assert (await Payment.get(order_id=order.id)).state == PaymentState.PAID
    assert (await Order.get(id=order.id)).status == OrderStatus.PLACED


async def test_the_buyer_is_told_the_exact_amount_and_the_account(
    world: World, settings: Settings, run_jobs: Any
) -> None:
    order = await world.order(method=PaymentMethod.BANK_TRANSFER, ready=False)
    payment = await Payment.get(order_id=order.id)
    await _relay(settings, run_jobs)
    [waiting] = await Notification.filter(template="order_awaiting_payment_buyer", user_id=world.buyer.id)
    assert money.rupiah(payment.amount_due) in waiting.body
    assert f"Bank Jatim {payment.account_number}" in waiting.body


async def test_only_the_orders_buyer_may_send_its_proof_and_only_while_it_waits(
    world: World, http: httpx.AsyncClient, settings: Settings
) -> None:
    order = await world.order(method=PaymentMethod.BANK_TRANSFER, ready=False)
    other = await _send_proof(http, token_for(await make_user(), settings), order, jpeg(400, 300))
    assert other["errors"] == [{"field": "input.orderId", "code": "NOT_FOUND"}]
    not_an_image = await _send_proof(http, token_for(world.buyer, settings), order, b"%PDF-1.4 not a photo")
    assert [e["field"] for e in not_an_image["errors"]] == ["input.file"]
    assert (await Payment.get(order_id=order.id)).state == PaymentState.PENDING
    cod = await world.order(method=PaymentMethod.COD, ready=False)
    refused = await _send_proof(http, token_for(world.buyer, settings), cod, jpeg(400, 300))
    assert refused["errors"] == [{"field": "input.orderId", "code": "INVALID_STATE"}]
    await orders_service.confirm_payment(actor=world.admin, order_id=order.id)
    late = await _send_proof(http, token_for(world.buyer, settings), order, jpeg(400, 300))
    assert late["errors"] == [{"field": "input.orderId", "code": "INVALID_STATE"}]
    assert (await Payment.get(order_id=order.id)).proof_key is None

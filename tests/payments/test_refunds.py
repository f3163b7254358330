"""Refunds: one whenever a paid order's buyer paid more than they owe (cancelled, a part rejected, weighed less,
money after expiry), never more than was paid; who sees them (`Order.refunds`, `refunds`) and who records a
manual one paid (`markRefundPaid`)."""

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from strawberry.relay import to_base64
from tortoise.timezone import now

from src.models.accounts import Role
from src.models.orders import Order, OrderItem, OrderStatus, PaymentMethod, PaymentStatus, StallOrder
from src.models.outbox import OutboxEvent
from src.models.payments import Payment, Refund, RefundMethod, RefundReason, RefundStatus
from src.services import orders as orders_service
from src.services import payments
from src.services.common.errors import DomainError, ErrorCode
from src.settings import Settings
from tests.factories import make_user, token_for
from tests.support.graphql import GraphQLClient
from tests.support.world import BERAS, IKAN_TONGKOL, World, make_world

ORDER_REFUNDS = """query($id: ID!) { order(id: $id) { number refunds { id amount { amount } reason status method
  reference createdAt paidAt order { number } } } }"""
REFUNDS = """query($m: ID!, $s: RefundStatus, $first: Int, $after: String) {
  refunds(marketId: $m, status: $s, first: $first, after: $after) {
    edges { cursor node { id amount { amount } reason status method order { number } } }
    pageInfo { hasNextPage endCursor } } }"""
MARK = """mutation($input: MarkRefundPaidInput!) { markRefundPaid(input: $input) {
  refund { id status reference paidAt amount { amount } } errors { field code message } } }"""
CONFIRM = """mutation($id: ID!) { confirmPayment(input: {orderId: $id}) {
  order { status paymentStatus refunds { amount { amount } reason method } timeline { type message } }
  errors { field code message } } }"""
NODE = "query($id: ID!) { node(id: $id) { ... on Refund { amount { amount } reason } } }"


def gid(kind: str, pk: int) -> str:
    return to_base64(kind, pk)


@pytest.fixture
async def world(clean_db: None, settings: Settings) -> World:
    """Ikan tongkol (weighed, Rp 38.000/kg) at the first stall, beras at the second."""
    return await make_world(settings, couriers=1, goods=(IKAN_TONGKOL, BERAS))


async def _paid(world: World, quantity: str = "0.5", method: PaymentMethod = PaymentMethod.QRIS) -> Order:
    order = await world.order(method=method, quantity=quantity, ready=False)
    await orders_service.confirm_payment(actor=world.admin, order_id=order.id)
    return await Order.get(id=order.id)


async def _accept_all(order: Order) -> list[StallOrder]:
    parts = await StallOrder.filter(order_id=order.id).select_related("stall__trader").order_by("id")
    for part in parts:
        await orders_service.accept_stall_order(actor=part.stall.trader, stall_order_id=part.id)
    return parts


async def _weigh(world: World, order: Order, quantity: str) -> OrderItem:
    fish = await OrderItem.get(stall_order__order_id=order.id, product_id=world.product.id)
    return await orders_service.set_fulfilled_quantity(
        actor=world.trader, order_item_id=fish.id, quantity=Decimal(quantity), settings=world.settings
    )


async def _refunds(order: Order) -> list[tuple[int, RefundReason, int | None]]:
    rows = await Refund.filter(order_id=order.id).order_by("id")
    return [(r.amount, r.reason, r.stall_order_id) for r in rows]


async def _balance(order: Order) -> tuple[int, int, int]:
    """paid, refunded, owed."""
    payment = await Payment.get(order_id=order.id)
    fresh = await Order.get(id=order.id)
    return (
        payment.paid_amount,
        await payments.refunds.refunded(payment),
        await payments.refunds.still_owed(fresh, payment),
    )


async def test_a_paid_order_cancelled_gives_everything_back(world: World) -> None:
    order = await _paid(world)
    paid = (await Payment.get(order_id=order.id)).paid_amount
    assert paid == order.total > 0
    await orders_service.cancel_order(actor=world.buyer, order_id=order.id, reason="tidak jadi")
    assert await _refunds(order) == [(paid, RefundReason.ORDER_CANCELLED, None)]
    refund = await Refund.get(order_id=order.id)
    assert (refund.status, refund.method) == (RefundStatus.PENDING, RefundMethod.MANUAL)
    assert await _balance(order) == (paid, paid, 0)
    [event] = await OutboxEvent.filter(topic="refund.created").values_list("payload", flat=True)
    assert (event["refund_id"], event["amount"], event["method"]) == (refund.id, paid, "MANUAL")


async def test_a_cod_order_cancelled_before_the_door_refunds_nothing(world: World) -> None:
    order = await world.order(ready=False)
    await orders_service.cancel_order(actor=world.buyer, order_id=order.id, reason="tidak jadi")
    assert await _refunds(order) == []


async def test_a_rejected_part_is_its_own_refund_and_the_last_one_cancels_the_rest(world: World) -> None:
    order = await _paid(world)
    fish, beras = await StallOrder.filter(order_id=order.id).order_by("id")
    assert (fish.subtotal, beras.subtotal) == (19_000, 13_000)
    await orders_service.reject_stall_order(actor=world.second_trader, stall_order_id=beras.id, reason="habis")
    assert await _refunds(order) == [(13_000, RefundReason.PART_REJECTED, beras.id)]
    paid, refunded, owed = await _balance(order)
    assert paid - refunded == owed == order.total - 13_000
    # The last part: its subtotal as its own refund, the delivery fee as the order's.
    await orders_service.reject_stall_order(actor=world.trader, stall_order_id=fish.id, reason="tutup")
    assert (await Order.get(id=order.id)).status == OrderStatus.CANCELLED
    assert await _refunds(order) == [
        (13_000, RefundReason.PART_REJECTED, beras.id),
        (19_000, RefundReason.PART_REJECTED, fish.id),
        (order.delivery_fee, RefundReason.ORDER_CANCELLED, None),
    ]
    assert await _balance(order) == (paid, paid, 0)


async def test_weighed_less_gives_the_difference_back_once(world: World) -> None:
    order = await _paid(world, quantity="0.5")  # Rp 19.000 for 0,5 kg
    fish_part, _ = await _accept_all(order)
    await _weigh(world, order, "0.46")  # Rp 17.480
    assert await _refunds(order) == [(1_520, RefundReason.WEIGHED_LESS, fish_part.id)]
    await _weigh(world, order, "0.46")  # weighed again at the same weight: nothing more
    assert await _refunds(order) == [(1_520, RefundReason.WEIGHED_LESS, fish_part.id)]
    # Weighed again heavier: the buyer paid for the line already and is not charged again, nor refunded.
    item = await _weigh(world, order, "0.48")
    assert item.line_total == 17_480
    assert len(await _refunds(order)) == 1
    # Lighter still: only the new difference (0,01 kg) goes back.
    await _weigh(world, order, "0.45")
    assert [r[0] for r in await _refunds(order)] == [1_520, 380]
    paid, refunded, owed = await _balance(order)
    assert paid - refunded == owed and refunded == 1_900


async def test_weighed_more_on_a_paid_order_never_costs_more_than_was_paid(world: World) -> None:
    order = await _paid(world, quantity="0.5")
    await _accept_all(order)
    item = await _weigh(world, order, "0.54")  # 0,54 kg would be Rp 20.520
    assert item.line_total == 19_000
    fresh = await Order.get(id=order.id)
    assert fresh.total == order.total and await _refunds(order) == []
    # Unpaid (COD): the weight is the price, higher or lower.
    cod = await world.order(quantity="0.5", ready=False)
    await _accept_all(cod)
    assert (await _weigh(world, cod, "0.54")).line_total == 20_520


async def test_money_after_expiry_confirmed_by_the_admin_is_recorded_and_refunded(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    order = await world.order(method=PaymentMethod.BANK_TRANSFER, ready=False)
    await Order.filter(id=order.id).update(payment_due_at=now() - timedelta(minutes=1))
    assert await orders_service.expire_unpaid_orders() == 1
    due = (await Payment.get(order_id=order.id)).amount_due
    gql.token = token_for(world.admin, settings)
    confirmed = (await gql(CONFIRM, {"id": gid("Order", order.id)}))["confirmPayment"]
    assert confirmed["errors"] == []
    assert (confirmed["order"]["status"], confirmed["order"]["paymentStatus"]) == ("CANCELLED", "PAID")
    assert confirmed["order"]["refunds"] == [{"amount": {"amount": due}, "reason": "LATE_PAYMENT", "method": "MANUAL"}]
    late = [e for e in confirmed["order"]["timeline"] if e["type"] == "LATE_PAYMENT_RECEIVED"]
    rupiah = f"Rp {due:,}".replace(",", ".")
    assert late == [{"type": "LATE_PAYMENT_RECEIVED",
                     "message": f"Pembayaran {rupiah} diterima setelah pesanan batal; dikembalikan"}]  # fmt: skip
    # Confirmed again: refused, nothing recorded twice.
    again = (await gql(CONFIRM, {"id": gid("Order", order.id)}))["confirmPayment"]
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("input.orderId", "INVALID_STATE")]
    assert (await Payment.get(order_id=order.id)).paid_amount == due
    assert await _refunds(order) == [(due, RefundReason.LATE_PAYMENT, None)]


async def test_who_sees_an_orders_refunds(world: World, gql: GraphQLClient, settings: Settings) -> None:
    order = await _paid(world)
    _fish, beras = await StallOrder.filter(order_id=order.id).order_by("id")
    await orders_service.reject_stall_order(actor=world.second_trader, stall_order_id=beras.id, reason="habis")
    await orders_service.cancel_order(actor=world.admin, order_id=order.id, reason="pasar tutup")
    variables = {"id": gid("Order", order.id)}
    everything = [(13_000, "PART_REJECTED"), (order.total - 13_000, "ORDER_CANCELLED")]
    trade_office = await make_user(Role.MARKET_ADMIN, market=None)
    for who in (world.buyer, world.admin, trade_office):
        seen = (await gql(ORDER_REFUNDS, variables, token=token_for(who, settings)))["order"]["refunds"]
        assert [(r["amount"]["amount"], r["reason"]) for r in seen] == everything, who.role
        assert seen[0]["order"]["number"] == order.number and seen[0]["status"] == "PENDING"
    # A trader sees their own part's refund, not the order's nor another stall's.
    beras_view = (await gql(ORDER_REFUNDS, variables, token=token_for(world.second_trader, settings)))["order"]
    assert [(r["amount"]["amount"], r["reason"]) for r in beras_view["refunds"]] == [(13_000, "PART_REJECTED")]
    fish_view = (await gql(ORDER_REFUNDS, variables, token=token_for(world.trader, settings)))["order"]
    assert fish_view["refunds"] == []
    # As nodes: the same rules; another buyer, another market's admin see none.
    part_refund, order_refund = await Refund.filter(order_id=order.id).order_by("id")
    for who, refund, seen in (
        (world.buyer, order_refund, True),
        (world.second_trader, part_refund, True),
        (world.second_trader, order_refund, False),
        (world.trader, part_refund, False),
        (await make_user(name="Pembeli lain"), part_refund, False),
        (world.other_admin, part_refund, False),
    ):
        node = (await gql(NODE, {"id": gid("Refund", refund.id)}, token=token_for(who, settings)))["node"]
        assert (node is not None) == seen, (who.role, refund.reason)


async def test_a_markets_refunds_for_its_admins_by_status_and_page(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    orders = [await _paid(world) for _ in range(3)]
    for order in orders:
        await orders_service.cancel_order(actor=world.buyer, order_id=order.id, reason="batal")
    first, second, third = await Refund.all().order_by("id")
    await payments.mark_refund_paid(actor=world.admin, refund_id=first.id, reference="TRF-1")
    market = gid("Market", world.market.id)
    gql.token = token_for(world.admin, settings)
    listed = (await gql(REFUNDS, {"m": market, "first": 2}))["refunds"]
    assert [e["node"]["id"] for e in listed["edges"]] == [gid("Refund", third.id), gid("Refund", second.id)]
    assert listed["pageInfo"]["hasNextPage"] is True
    rest = (await gql(REFUNDS, {"m": market, "first": 2, "after": listed["pageInfo"]["endCursor"]}))["refunds"]
    assert [e["node"]["id"] for e in rest["edges"]] == [gid("Refund", first.id)]
    assert rest["pageInfo"]["hasNextPage"] is False
    pending = (await gql(REFUNDS, {"m": market, "s": "PENDING"}))["refunds"]["edges"]
    assert [e["node"]["order"]["number"] for e in pending] == [orders[2].number, orders[1].number]
    paid = (await gql(REFUNDS, {"m": market, "s": "PAID"}))["refunds"]["edges"]
    assert [e["node"]["status"] for e in paid] == ["PAID"]
    trade_office = await make_user(Role.MARKET_ADMIN, market=None)
    assert len((await gql(REFUNDS, {"m": market}, token=token_for(trade_office, settings)))["refunds"]["edges"]) == 3
    # Another market's admin, its traders, the buyer, a courier: refused; the other market's list is its own.
    for who in (world.other_admin, world.trader, world.buyer, world.couriers[0]):
        errors = await gql.errors(REFUNDS, {"m": market}, token=token_for(who, settings))
        assert errors[0]["extensions"]["code"] == "PERMISSION_DENIED", who.role
    own = await gql(REFUNDS, {"m": gid("Market", world.other_market.id)}, token=token_for(world.other_admin, settings))
    assert own["refunds"]["edges"] == []
    errors = await gql.errors(REFUNDS, {"m": market, "first": 101})
    assert errors[0]["extensions"]["code"] == "INVALID_INPUT"
    unknown = await gql.errors(REFUNDS, {"m": gid("Market", 999_999)})
    assert unknown[0]["extensions"]["code"] == "NOT_FOUND"


async def _one_refund(world: World) -> Refund:
    order = await _paid(world)
    await orders_service.cancel_order(actor=world.buyer, order_id=order.id, reason="batal")
    return await Refund.get(order_id=order.id)


def _mark(refund_id: int, reference: str) -> dict[str, Any]:
    return {"input": {"refundId": gid("Refund", refund_id), "reference": reference}}


async def test_the_admin_records_a_manual_refund_paid_once(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    refund = await _one_refund(world)
    gql.token = token_for(world.admin, settings)
    marked = (await gql(MARK, _mark(refund.id, "  BCA  0412-7781 ")))["markRefundPaid"]
    assert marked["errors"] == []
    assert (marked["refund"]["status"], marked["refund"]["reference"]) == ("PAID", "BCA 0412-7781")
    assert marked["refund"]["paidAt"] is not None
    stored = await Refund.get(id=refund.id)
    assert (stored.status, stored.paid_by_id, stored.reference) == (RefundStatus.PAID, world.admin.id, "BCA 0412-7781")
    [event] = await OutboxEvent.filter(topic="refund.paid").values_list("payload", flat=True)
    assert (event["refund_id"], event["reference"]) == (refund.id, "BCA 0412-7781")
    # Again: already paid, nothing changes.
    again = (await gql(MARK, _mark(refund.id, "lain")))["markRefundPaid"]
    assert again["refund"] is None
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("input.refundId", "INVALID_STATE")]
    assert again["errors"][0]["message"] == "Pengembalian dana ini sudah dibayar."
    assert (await Refund.get(id=refund.id)).reference == "BCA 0412-7781"
    assert await OutboxEvent.filter(topic="refund.paid").count() == 1


async def test_mark_refund_paid_refuses_bad_input_and_changes_nothing(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    refund = await _one_refund(world)
    gql.token = token_for(world.admin, settings)
    for reference, code, message in (
        ("", "INVALID_INPUT", "Isi nomor referensi transfer."),
        ("   ", "INVALID_INPUT", "Isi nomor referensi transfer."),
        ("x" * 101, "INVALID_INPUT", None),
        ("TRF\x00-1", "INVALID_INPUT", None),
    ):
        refused = (await gql(MARK, _mark(refund.id, reference)))["markRefundPaid"]
        assert refused["refund"] is None
        assert [(e["field"], e["code"]) for e in refused["errors"]] == [("input.reference", code)], reference
        assert message is None or refused["errors"][0]["message"] == message
    ok = "x" * 100
    unknown = (await gql(MARK, _mark(999_999, ok)))["markRefundPaid"]
    assert [(e["field"], e["code"]) for e in unknown["errors"]] == [("input.refundId", "NOT_FOUND")]
    not_a_refund = {"input": {"refundId": gid("Order", refund.order_id), "reference": ok}}
    assert (await gql(MARK, not_a_refund))["markRefundPaid"]["errors"][0]["code"] == "NOT_FOUND"
    # A failed refund and a gateway's are not recorded by hand.
    await Refund.filter(id=refund.id).update(status=RefundStatus.FAILED)
    failed = (await gql(MARK, _mark(refund.id, ok)))["markRefundPaid"]
    assert [e["code"] for e in failed["errors"]] == ["INVALID_STATE"]
    await Refund.filter(id=refund.id).update(status=RefundStatus.PENDING, method=RefundMethod.GATEWAY)
    gql.language = "en"
    gateway = (await gql(MARK, _mark(refund.id, ok)))["markRefundPaid"]
    assert gateway["errors"][0]["message"] == "This refund is paid by the payment gateway, not recorded by hand."
    stored = await Refund.get(id=refund.id)
    assert (stored.status, stored.reference, stored.paid_at) == (RefundStatus.PENDING, None, None)
    await Refund.filter(id=refund.id).update(method=RefundMethod.MANUAL)
    assert (await gql(MARK, _mark(refund.id, ok)))["markRefundPaid"]["refund"]["reference"] == ok


async def test_only_the_markets_admins_mark_a_refund_paid(world: World, gql: GraphQLClient, settings: Settings) -> None:
    refund = await _one_refund(world)
    another_buyer = await make_user(name="Pembeli lain")
    for who in (world.other_admin, world.trader, world.second_trader, world.buyer, another_buyer, world.couriers[0]):
        refused = (await gql(MARK, _mark(refund.id, "TRF-1"), token=token_for(who, settings)))["markRefundPaid"]
        assert refused["refund"] is None and refused["errors"][0]["code"] == "PERMISSION_DENIED", who.role
    assert (await gql(MARK, _mark(refund.id, "TRF-1")))["markRefundPaid"]["errors"][0]["code"] == "UNAUTHENTICATED"
    assert (await Refund.get(id=refund.id)).status == RefundStatus.PENDING
    trade_office = await make_user(Role.MARKET_ADMIN, market=None)
    done = (await gql(MARK, _mark(refund.id, "TRF-1"), token=token_for(trade_office, settings)))["markRefundPaid"]
    assert done["refund"]["status"] == "PAID"


async def test_the_invariant_names_an_order_whose_money_does_not_add_up(world: World) -> None:
    order = await _paid(world)
    assert await payments.invariant.money_problems() == []
    payment = await Payment.get(order_id=order.id)
    await Payment.filter(id=payment.id).update(paid_amount=payment.paid_amount + 500)  # kept beyond the total
    [problem] = await payments.invariant.money_problems()
    assert (problem.order_id, problem.paid - problem.refunded - problem.owed) == (order.id, 500)
    assert order.number in str(problem)
    # What came in beyond the total is given back, and the money adds up again.
    refund = await orders_service.refund_overpaid(
        await Order.get(id=order.id), await Payment.get(id=payment.id), RefundReason.LATE_PAYMENT
    )
    assert refund is not None and refund.amount == 500
    assert await payments.invariant.money_problems() == []
    assert (await Order.get(id=order.id)).payment_status == PaymentStatus.PAID


async def test_the_invariant_names_a_refund_of_money_that_never_came(world: World) -> None:
    order = await world.order(ready=False)  # COD, nothing paid yet
    payment = await Payment.get(order_id=order.id)
    refund = await Refund.create(payment=payment, order=order, market_id=order.market_id, amount=1_000,
                                 reason=RefundReason.COMPLAINT)  # fmt: skip
    [problem] = await payments.invariant.money_problems()
    assert (problem.order_id, problem.paid, problem.refunded) == (order.id, 0, 1_000)
    await Refund.filter(id=refund.id).update(status=RefundStatus.FAILED)  # gave nothing back: nothing wrong
    assert await payments.invariant.money_problems() == []


async def test_racing_admins_record_a_refund_paid_once(world: World) -> None:
    refund = await _one_refund(world)

    async def mark(n: int) -> bool:
        try:
            await payments.mark_refund_paid(actor=world.admin, refund_id=refund.id, reference=f"TRF-{n}")
            return True
        except DomainError as exc:
            assert exc.code == ErrorCode.INVALID_STATE
            return False

    assert sum(await asyncio.gather(*(mark(n) for n in range(5)))) == 1
    assert await OutboxEvent.filter(topic="refund.paid").count() == 1
    assert (await Refund.get(id=refund.id)).status == RefundStatus.PAID

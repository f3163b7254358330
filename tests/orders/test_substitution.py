"""One missing item, not a rejected part: an item leaves the order, or the buyer takes or leaves a substitute."""

from decimal import Decimal
from typing import Any

import pytest
from strawberry.relay import to_base64
from tortoise.timezone import now

from src.jobs.orders import expire_substitution, sweep_substitutions
from src.models.catalog import Product
from src.models.orders import ItemState, Order, OrderItem, PaymentMethod, StallOrder, StallOrderStatus
from src.models.outbox import OutboxEvent
from src.models.payments import Payment, Refund, RefundReason
from src.models.substitutions import Substitution, SubstitutionStatus
from src.services import notification_texts as texts
from src.services import orders as orders_service
from src.services import payments
from src.services.common import money
from src.services.common.errors import DomainError, ErrorCode
from src.services.common.jobs import Job
from src.services.notifications.handover import FOLLOW_UPS
from src.services.notifications.recipients import messages_for
from src.settings import Settings
from tests.factories import make_user, token_for
from tests.support.graphql import GraphQLClient
from tests.support.queries import count_queries
from tests.support.world import Goods, World

BAWANG = Goods("Bawang merah", 40_000, stock="100", min_quantity="0.25", quantity_step="0.25")
BOMBAY = Goods("Bawang bombay", 30_000, stock="50", min_quantity="0.5", quantity_step="0.5")
BOMBAY_MAHAL = Goods("Bawang bombay besar", 50_000, stock="50", min_quantity="0.5", quantity_step="0.5")


async def _stock(product: Product) -> Decimal:
    return (await Product.get(id=product.id)).stock


async def _goods(world: World) -> tuple[Product, Product]:
    """Bawang merah (ordered, 1 kg in each order) and a substitute in the first stall."""
    bawang, bombay = await BAWANG.make(world.stall), await BOMBAY.make(world.stall)
    world.products.append(bawang)  # each order now has 2 kg cabai rawit, 1 kg bawang merah (stall 1), 1 beras
    return bawang, bombay


async def _accepted(world: World, method: PaymentMethod = PaymentMethod.COD) -> tuple[Order, StallOrder, OrderItem]:
    """An order whose first stall's part is accepted; paid first unless COD. Its bawang merah item."""
    order = await world.order(ready=False, method=method)
    if method != PaymentMethod.COD:
        await orders_service.confirm_payment(actor=world.admin, order_id=order.id)
    part = await StallOrder.get(order_id=order.id, stall_id=world.stall.id)
    await orders_service.accept_stall_order(actor=world.trader, stall_order_id=part.id)
    return order, part, await OrderItem.get(stall_order_id=part.id, product_name="Bawang merah")


async def _balanced(order_id: int) -> None:
    """paid − refunded = owed."""
    order, payment = await Order.get(id=order_id), await Payment.get(order_id=order_id)
    refunded = await payments.refunds.refunded(payment)
    assert payment.paid_amount - refunded == await payments.refunds.still_owed(order, payment)


async def _told(topic: str) -> list[tuple[int, str, str]]:
    """Who an event's notifications go to, and what they say (title and body as rendered)."""
    event = await OutboxEvent.filter(topic=topic).order_by("-id").first()
    assert event is not None, topic
    return [(m.user.id, *texts.render(m.template, m.user.language, m.params)) for m in await messages_for(event)]


async def test_an_unavailable_item_leaves_a_cod_order(world: World) -> None:
    bawang, _ = await _goods(world)
    order, part, item = await _accepted(world)
    stock = await _stock(bawang)

    changed = await orders_service.mark_item_unavailable(
        actor=world.trader, order_item_id=item.id, reason="habis di pasar induk", settings=world.settings
    )

    assert changed.state == ItemState.UNAVAILABLE
    item = await OrderItem.get(id=item.id)
    assert (item.state, item.fulfilled_quantity, item.line_total, item.unavailable_reason) == (
        ItemState.UNAVAILABLE, Decimal(0), 0, "habis di pasar induk",
    )  # fmt: skip
    assert await _stock(bawang) == stock + 1
    part = await StallOrder.get(id=part.id)
    order = await Order.get(id=order.id)
    assert part.status == StallOrderStatus.ACCEPTED and part.subtotal == 120_000  # 2 kg cabai rawit
    assert order.subtotal == 133_000 and order.total == 133_000 + order.delivery_fee
    payment = await Payment.get(order_id=order.id)
    assert payment.amount_due == order.total + money_rounding(order.total)
    told = await _told("order.item_unavailable")
    title = f"Bawang merah tidak tersedia – pesanan {order.number}"
    assert [(user, heading) for user, heading, _ in told] == [(world.buyer.id, title)]
    assert "habis di pasar induk" in told[0][2] and f"Total baru {money.rupiah(order.total)}" in told[0][2]
    # The part is ready without it; the picking list no longer names it.
    lines = await orders_service.picking_list(actor=world.trader, day=order.slot_date, window=None)
    assert [line.product_name for line in lines] == ["Cabai rawit"]
    await orders_service.mark_stall_order_ready(actor=world.trader, stall_order_id=part.id)


def money_rounding(total: int) -> int:
    return payments.cod_rounding(total, 100)


async def test_a_paid_order_gets_the_missing_item_back(world: World) -> None:
    await _goods(world)
    order, part, item = await _accepted(world, PaymentMethod.QRIS)
    await orders_service.mark_item_unavailable(
        actor=world.trader, order_item_id=item.id, reason="busuk", settings=world.settings
    )
    refund = await Refund.get(order_id=order.id)
    assert (refund.amount, refund.reason, refund.stall_order_id) == (40_000, RefundReason.ITEM_UNAVAILABLE, part.id)
    await _balanced(order.id)


async def test_the_last_item_of_a_part_leaving_rejects_the_part(world: World) -> None:
    order = await world.order(ready=False, method=PaymentMethod.BANK_TRANSFER)
    await orders_service.confirm_payment(actor=world.admin, order_id=order.id)
    part = await StallOrder.get(order_id=order.id, stall_id=world.second_stall.id)
    await orders_service.accept_stall_order(actor=world.second_trader, stall_order_id=part.id)
    item = await OrderItem.get(stall_order_id=part.id)
    stock = await _stock(world.second_product)

    await orders_service.mark_item_unavailable(
        actor=world.second_trader, order_item_id=item.id, reason="beras habis", settings=world.settings
    )

    part = await StallOrder.get(id=part.id)
    assert (part.status, part.reject_reason) == (StallOrderStatus.REJECTED, "beras habis")
    assert await _stock(world.second_product) == stock + 1
    order = await Order.get(id=order.id)
    assert order.subtotal == 120_000
    refund = await Refund.get(order_id=order.id)
    assert (refund.amount, refund.reason) == (13_000, RefundReason.PART_REJECTED)
    await _balanced(order.id)


async def test_a_substitute_accepted_changes_the_line_stock_and_amount_due(world: World) -> None:
    bawang, bombay = await _goods(world)
    order, part, item = await _accepted(world)
    stocks = (await _stock(bawang), await _stock(bombay))

    await orders_service.mark_item_unavailable(
        actor=world.trader, order_item_id=item.id, reason="habis", substitute_product_id=bombay.id,
        substitute_quantity=Decimal("1.5"), settings=world.settings,
    )  # fmt: skip

    offer = await Substitution.get(order_item_id=item.id)
    assert (offer.status, offer.product_name, offer.quantity, offer.line_total) == (
        SubstitutionStatus.PENDING, "Bawang bombay", Decimal("1.5"), 45_000,
    )  # fmt: skip
    assert (await OrderItem.get(id=item.id)).state == ItemState.SUBSTITUTION_PENDING
    assert (await _stock(bawang), await _stock(bombay)) == stocks  # nothing moves until the buyer answers
    told = await _told("order.substitution_proposed")
    assert told[0][0] == world.buyer.id and "Bawang bombay 1,5 kg seharga Rp 45.000" in told[0][2]
    with pytest.raises(DomainError) as caught:
        await orders_service.mark_stall_order_ready(actor=world.trader, stall_order_id=part.id)
    assert (caught.value.code, caught.value.message_key) == (ErrorCode.INVALID_STATE, "NOT_READY_SUBSTITUTION")

    await orders_service.respond_to_substitution(actor=world.buyer, order_item_id=item.id, accept=True)

    item = await OrderItem.get(id=item.id)
    assert (item.state, item.product_id, item.product_name, item.quantity, item.unit_price, item.line_total) == (
        ItemState.SUBSTITUTED, bombay.id, "Bawang bombay", Decimal("1.5"), 30_000, 45_000,
    )  # fmt: skip
    assert (await _stock(bawang), await _stock(bombay)) == (stocks[0] + 1, stocks[1] - Decimal("1.5"))
    order = await Order.get(id=order.id)
    assert (await StallOrder.get(id=part.id)).subtotal == 165_000 and order.subtotal == 178_000
    payment = await Payment.get(order_id=order.id)
    assert payment.amount_due == order.total + money_rounding(order.total)
    assert (await Substitution.get(id=offer.id)).status == SubstitutionStatus.ACCEPTED
    trader_told = await _told("order.substitution_accepted")
    assert [u for u, _, _ in trader_told] == [world.trader.id] and "Bawang bombay 1,5 kg" in trader_told[0][2]
    await orders_service.mark_stall_order_ready(actor=world.trader, stall_order_id=part.id)


async def test_silence_leaves_the_order_as_if_the_item_were_unavailable(world: World, settings: Settings) -> None:
    bawang, bombay = await _goods(world)
    marked, _, marked_item = await _accepted(world)
    waited, waited_part, waited_item = await _accepted(world)
    start = (await _stock(bawang), await _stock(bombay))
    await orders_service.mark_item_unavailable(
        actor=world.trader, order_item_id=marked_item.id, reason="habis", settings=settings
    )
    await orders_service.mark_item_unavailable(
        actor=world.trader, order_item_id=waited_item.id, reason="habis", substitute_product_id=bombay.id,
        substitute_quantity=Decimal("1"), settings=settings,
    )  # fmt: skip
    offer = await Substitution.get(order_item_id=waited_item.id)
    # The proposal's outbox event defers the expiry job to the substitute's time limit.
    event = await OutboxEvent.get(topic="order.substitution_proposed")
    follow_up = FOLLOW_UPS[event.topic](event)
    assert follow_up is not None
    assert follow_up[:3] == (Job.EXPIRE_SUBSTITUTION, offer.id, f"substitution-expiry:{offer.id}")
    assert follow_up[3]["_defer_until"] == offer.expires_at
    assert abs((offer.expires_at - now()).total_seconds() - settings.substitution_timeout_minutes * 60) < 60
    assert await expire_substitution({}, offer.id) is False  # too early: nothing happens

    await Substitution.filter(id=offer.id).update(expires_at=now())  # the clock runs out
    assert await expire_substitution({}, offer.id) is True

    assert (await Substitution.get(id=offer.id)).status == SubstitutionStatus.EXPIRED
    with pytest.raises(DomainError) as caught:
        await orders_service.respond_to_substitution(actor=world.buyer, order_item_id=waited_item.id, accept=True)
    assert caught.value.code == ErrorCode.INVALID_STATE
    a, b = await OrderItem.get(id=marked_item.id), await OrderItem.get(id=waited_item.id)
    assert (b.state, b.fulfilled_quantity, b.line_total) == (a.state, a.fulfilled_quantity, a.line_total)
    assert b.state == ItemState.UNAVAILABLE
    first, second = await Order.get(id=marked.id), await Order.get(id=waited.id)
    assert (second.subtotal, second.total) == (first.subtotal, first.total)
    due = [p.amount_due for p in await Payment.filter(order_id__in=[marked.id, waited.id]).order_by("order_id")]
    assert due[0] == due[1]
    assert (await _stock(bawang), await _stock(bombay)) == (start[0] + 2, start[1])
    told = await _told("order.substitution_expired")
    assert {u for u, _, _ in told} == {world.buyer.id, world.trader.id}
    assert (await StallOrder.get(id=waited_part.id)).status == StallOrderStatus.ACCEPTED
    assert await expire_substitution({}, offer.id) is False  # run twice: nothing more


async def test_the_sweep_expires_a_substitute_whose_job_was_lost(world: World, settings: Settings) -> None:
    _, bombay = await _goods(world)
    _, _, item = await _accepted(world)
    await orders_service.mark_item_unavailable(
        actor=world.trader, order_item_id=item.id, reason="habis", substitute_product_id=bombay.id,
        substitute_quantity=Decimal("1"), settings=settings,
    )  # fmt: skip
    assert await sweep_substitutions({}) == 0
    await Substitution.filter(order_item_id=item.id).update(expires_at=now().replace(year=2025))
    assert await sweep_substitutions({}) == 1
    assert (await OrderItem.get(id=item.id)).state == ItemState.UNAVAILABLE


async def test_a_declined_substitute_is_an_unavailable_item_and_the_trader_hears(world: World) -> None:
    bawang, bombay = await _goods(world)
    order, _, item = await _accepted(world)
    stocks = (await _stock(bawang), await _stock(bombay))
    await orders_service.mark_item_unavailable(
        actor=world.trader, order_item_id=item.id, reason="habis", substitute_product_id=bombay.id,
        substitute_quantity=Decimal("1"), settings=world.settings,
    )  # fmt: skip
    await orders_service.respond_to_substitution(actor=world.buyer, order_item_id=item.id, accept=False)
    assert (await OrderItem.get(id=item.id)).state == ItemState.UNAVAILABLE
    assert (await Substitution.get(order_item_id=item.id)).status == SubstitutionStatus.DECLINED
    assert (await _stock(bawang), await _stock(bombay)) == (stocks[0] + 1, stocks[1])
    assert (await Order.get(id=order.id)).subtotal == 133_000
    assert [u for u, _, _ in await _told("order.substitution_declined")] == [world.trader.id]


async def test_a_paid_order_takes_only_substitutes_within_what_was_paid(world: World) -> None:
    _, bombay = await _goods(world)
    dear = await BOMBAY_MAHAL.make(world.stall)
    order, _, item = await _accepted(world, PaymentMethod.BANK_TRANSFER)
    with pytest.raises(DomainError) as caught:  # 1 kg at Rp 50.000 for a line paid Rp 40.000
        await orders_service.mark_item_unavailable(
            actor=world.trader, order_item_id=item.id, reason="habis", substitute_product_id=dear.id,
            substitute_quantity=Decimal("1"), settings=world.settings,
        )  # fmt: skip
    assert (caught.value.code, caught.value.field, caught.value.message_key) == (
        ErrorCode.INVALID_INPUT, "substituteQuantity", "SUBSTITUTE_ABOVE_PAID",
    )  # fmt: skip
    assert (await OrderItem.get(id=item.id)).state == ItemState.ACTIVE
    assert not await Substitution.exists()

    await orders_service.mark_item_unavailable(
        actor=world.trader, order_item_id=item.id, reason="habis", substitute_product_id=bombay.id,
        substitute_quantity=Decimal("1"), settings=world.settings,
    )  # fmt: skip
    await orders_service.respond_to_substitution(actor=world.buyer, order_item_id=item.id, accept=True)
    refund = await Refund.get(order_id=order.id)  # Rp 40.000 paid, Rp 30.000 taken
    assert (refund.amount, refund.reason) == (10_000, RefundReason.ITEM_UNAVAILABLE)
    await _balanced(order.id)


async def test_who_may_mark_and_answer(world: World) -> None:
    _, bombay = await _goods(world)
    _, _, item = await _accepted(world)
    other_buyer = await make_user(name="Pak Budi")
    for actor in (world.second_trader, world.buyer, world.admin):
        with pytest.raises(DomainError) as caught:
            await orders_service.mark_item_unavailable(
                actor=actor, order_item_id=item.id, reason="habis", settings=world.settings
            )
        assert caught.value.code == ErrorCode.PERMISSION_DENIED
    await orders_service.mark_item_unavailable(
        actor=world.trader, order_item_id=item.id, reason="habis", substitute_product_id=bombay.id,
        substitute_quantity=Decimal("1"), settings=world.settings,
    )  # fmt: skip
    for actor in (other_buyer, world.trader, None):
        with pytest.raises(DomainError) as caught:
            await orders_service.respond_to_substitution(actor=actor, order_item_id=item.id, accept=True)
        assert (caught.value.code, caught.value.field) == (ErrorCode.NOT_FOUND, "orderItemId")
    assert (await OrderItem.get(id=item.id)).state == ItemState.SUBSTITUTION_PENDING


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"reason": "  "}, ErrorCode.INVALID_INPUT, "reason"),
        ({"substitute_product_id": "other stall", "substitute_quantity": Decimal("1")}, ErrorCode.NOT_FOUND,
         "substituteProductId"),
        ({"substitute_product_id": "bombay", "substitute_quantity": Decimal("0.7")}, ErrorCode.INVALID_INPUT,
         "substituteQuantity"),
        ({"substitute_product_id": "bombay", "substitute_quantity": Decimal("60")}, ErrorCode.OUT_OF_STOCK,
         "substituteQuantity"),
        ({"substitute_product_id": "bombay"}, ErrorCode.INVALID_INPUT, "substituteQuantity"),
        ({"substitute_product_id": "itself", "substitute_quantity": Decimal("1")}, ErrorCode.INVALID_INPUT,
         "substituteProductId"),
    ],
)  # fmt: skip
async def test_bad_inputs_change_nothing(world: World, change: dict[str, Any], code: ErrorCode, field: str) -> None:
    bawang, bombay = await _goods(world)
    _, part, item = await _accepted(world)
    products = {"other stall": world.second_product.id, "bombay": bombay.id, "itself": bawang.id}
    given = {"reason": "habis", **change}
    if "substitute_product_id" in given:
        given["substitute_product_id"] = products[given["substitute_product_id"]]
    with pytest.raises(DomainError) as caught:
        await orders_service.mark_item_unavailable(
            actor=world.trader, order_item_id=item.id, settings=world.settings, **given
        )
    assert (caught.value.code, caught.value.field) == (code, field)
    assert (await OrderItem.get(id=item.id)).state == ItemState.ACTIVE
    assert (await StallOrder.get(id=part.id)).subtotal == 160_000
    assert not await Substitution.exists()


async def test_only_an_accepted_part_and_an_item_still_ordered_can_be_marked(world: World) -> None:
    await _goods(world)
    order = await world.order(ready=False)
    part = await StallOrder.get(order_id=order.id, stall_id=world.stall.id)
    item = await OrderItem.get(stall_order_id=part.id, product_name="Bawang merah")
    with pytest.raises(DomainError) as caught:  # not accepted yet
        await orders_service.mark_item_unavailable(
            actor=world.trader, order_item_id=item.id, reason="habis", settings=world.settings
        )
    assert caught.value.code == ErrorCode.INVALID_STATE
    await orders_service.accept_stall_order(actor=world.trader, stall_order_id=part.id)
    await orders_service.mark_item_unavailable(
        actor=world.trader, order_item_id=item.id, reason="habis", settings=world.settings
    )
    with pytest.raises(DomainError) as caught:  # already gone
        await orders_service.mark_item_unavailable(
            actor=world.trader, order_item_id=item.id, reason="habis", settings=world.settings
        )
    assert (caught.value.code, caught.value.message_key) == (ErrorCode.INVALID_STATE, "ITEM_UNAVAILABLE")


MARK = """mutation($input: MarkItemUnavailableInput!) { markItemUnavailable(input: $input) {
  orderItem { state unavailableReason lineTotal { amount }
    substitution { status productName quantity expiresAt lineTotal { amount } product { name } } }
  errors { field code message } } }"""
RESPOND = """mutation($input: RespondToSubstitutionInput!) { respondToSubstitution(input: $input) {
  orderItem { state productName quantity lineTotal { amount } substitution { status originalName } }
  errors { field code message } } }"""
ORDER = """query($id: ID!) { order(id: $id) { total { amount } stallOrders { items { productName state } } } }"""


async def test_through_the_api(world: World, gql: GraphQLClient, settings: Settings) -> None:
    _, bombay = await _goods(world)
    order, _, item = await _accepted(world)
    item_id = to_base64("OrderItem", item.id)
    variables = {"input": {"orderItemId": item_id, "reason": "habis", "substituteProductId": to_base64(
        "Product", bombay.id), "substituteQuantity": "1.5"}}  # fmt: skip
    gql.language = "en"
    refused = (await gql(MARK, variables, token=token_for(world.second_trader, settings)))["markItemUnavailable"]
    assert refused["orderItem"] is None and [e["code"] for e in refused["errors"]] == ["PERMISSION_DENIED"]
    marked = (await gql(MARK, variables, token=token_for(world.trader, settings)))["markItemUnavailable"]
    assert marked["errors"] == []
    assert (marked["orderItem"]["state"], marked["orderItem"]["unavailableReason"]) == ("SUBSTITUTION_PENDING", "habis")
    offer = marked["orderItem"]["substitution"]
    assert (offer["status"], offer["productName"], offer["quantity"], offer["lineTotal"]) == (
        "PENDING", "Bawang bombay", "1.5", {"amount": 45_000},
    )  # fmt: skip
    assert offer["product"] == {"name": "Bawang bombay"} and offer["expiresAt"]

    answer = {"input": {"orderItemId": item_id, "accept": True}}
    other = await make_user(name="Pak Budi")
    refused = (await gql(RESPOND, answer, token=token_for(other, settings)))["respondToSubstitution"]
    assert [e["code"] for e in refused["errors"]] == ["NOT_FOUND"]
    refused = (await gql(RESPOND, answer, token=token_for(world.trader, settings)))["respondToSubstitution"]
    assert [e["code"] for e in refused["errors"]] == ["PERMISSION_DENIED"]
    taken = (await gql(RESPOND, answer, token=token_for(world.buyer, settings)))["respondToSubstitution"]
    assert taken["errors"] == []
    assert taken["orderItem"] == {
        "state": "SUBSTITUTED", "productName": "Bawang bombay", "quantity": "1.5", "lineTotal": {"amount": 45_000},
        "substitution": {"status": "ACCEPTED", "originalName": "Bawang merah"},
    }  # fmt: skip
    again = (await gql(RESPOND, answer, token=token_for(world.buyer, settings)))["respondToSubstitution"]
    assert [(e["code"], e["message"]) for e in again["errors"]] == [
        ("INVALID_STATE", "No substitute is waiting for an answer.")
    ]
    seen = (await gql(ORDER, {"id": to_base64("Order", order.id)}, token=token_for(world.buyer, settings)))["order"]
    assert {"productName": "Bawang bombay", "state": "SUBSTITUTED"} in seen["stallOrders"][0]["items"]


async def test_the_offer_is_told_in_the_buyers_language(world: World) -> None:
    _, bombay = await _goods(world)
    world.buyer.language = "en"
    await world.buyer.save(update_fields=["language"])
    order, _, item = await _accepted(world)
    await orders_service.mark_item_unavailable(
        actor=world.trader, order_item_id=item.id, reason="sold out", substitute_product_id=bombay.id,
        substitute_quantity=Decimal("1.5"), settings=world.settings,
    )  # fmt: skip
    offer = await Substitution.get(order_item_id=item.id)
    [(user, title, body)] = await _told("order.substitution_proposed")
    until = texts.time_text(offer.expires_at)
    assert (user, title) == (world.buyer.id, "A substitute for Bawang merah")
    assert body == (
        f"{world.stall.name} has no Bawang merah (sold out) and offers Bawang bombay 1.5 kg for Rp 45.000. "
        f"Answer before {until} WIB; without an answer, Bawang merah leaves order {order.number}."
    )


PARTS = """{ stallOrders(first: 50) { edges { node { items { state unavailableReason
  substitution { status productName expiresAt product { name stall { name } } } } } } } }"""


async def test_substitutes_in_a_list_cost_equal_queries(world: World, gql: GraphQLClient, settings: Settings) -> None:
    _, bombay = await _goods(world)
    token, counts = token_for(world.trader, settings), []
    for n in (1, 10):
        while await Substitution.all().count() < n:
            _, _, item = await _accepted(world)
            await orders_service.mark_item_unavailable(
                actor=world.trader, order_item_id=item.id, reason="habis", substitute_product_id=bombay.id,
                substitute_quantity=Decimal("0.5"), settings=settings,
            )  # fmt: skip
        with count_queries() as counted:
            edges = (await gql(PARTS, token=token))["stallOrders"]["edges"]
        offered = [i["substitution"] for e in edges for i in e["node"]["items"] if i["substitution"]]
        assert len(offered) == n and all(o["product"]["name"] == "Bawang bombay" for o in offered)
        counts.append(counted.count)
    assert 0 < counts[0] == counts[1], counts

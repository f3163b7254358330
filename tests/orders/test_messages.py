"""What people read names no codes and writes numbers their way: statuses by name, system cancel reasons in words,
decimals as 0,25 (Indonesian) or 0.25 (English) and money as Rp 50.840, in error messages and order fields."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from strawberry.relay import to_base64
from tortoise.timezone import now

from src.models.orders import Order, PaymentMethod, StallOrder
from src.services import delivery
from src.services import orders as orders_service
from src.services.common.i18n import translate
from src.services.common.money import Rupiah
from src.services.notification_texts import StatusName
from src.settings import Settings
from tests.factories import token_for
from tests.orders.test_orders import ADD, _gql_input, _request
from tests.support.graphql import GraphQLClient
from tests.support.world import IKAN_TONGKOL, Shop, make_shop, make_world

ACCEPT = """mutation($id: ID!) { acceptStallOrder(input: {stallOrderId: $id}) { stallOrder { status }
  errors { code message } } }"""
CANCEL = """mutation($id: ID!) { cancelOrder(input: {orderId: $id, reason: "salah pesan"}) { order { status }
  errors { code message } } }"""
WEIGH = """mutation($id: ID!, $q: Decimal!) { setFulfilledQuantity(input: {orderItemId: $id, quantity: $q}) {
  orderItem { id } errors { field code message } } }"""
PLACE = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { errors { field message } } }"
ORDER = "query($id: ID!) { order(id: $id) { status cancelReason timeline { type message } } }"


@pytest.fixture
async def world(clean_db: None, settings: Settings) -> Shop:
    """One stall selling weighed ikan tongkol, 10.5 kg of it (a stock with a decimal to write)."""
    return await make_shop(settings, goods=(replace(IKAN_TONGKOL, stock="10.5"),))


def test_translate_writes_decimals_and_money_the_readers_way() -> None:
    assert translate("QUANTITY_NOT_ON_STEP", "id", minimum=Decimal("0.250"), step=Decimal("0.05")) == (
        "Jumlah minimal 0,25, dengan kelipatan 0,05."
    )
    assert translate("QUANTITY_NOT_ON_STEP", "en", minimum=Decimal("0.250"), step=Decimal("1E+1")) == (
        "At least 0.25, in steps of 10."
    )
    assert translate("COD_LIMIT", "id", limit=Rupiah(3_000_000)).startswith("Bayar di tempat maksimal Rp 3.000.000.")
    assert translate("COD_LIMIT", "en", limit=Rupiah(50_840)).startswith("Cash on delivery is limited to Rp 50.840.")
    assert translate("ORDER_STATE", "id", status=StatusName("order", "PLACED")) == (
        "Tidak dapat dilakukan: status pesanan menunggu konfirmasi pedagang."
    )
    assert translate("ORDER_STATE", "xx", status=StatusName("order", "CANCELLED")).endswith("pesanan dibatalkan.")


async def _placed(world: Shop, settings: Settings, **options: Any) -> Order:
    request = _request(world.market, [(world.product, "0.5")], **options)
    return await orders_service.place_order(actor=world.buyer, request=request, settings=settings)


async def test_state_errors_name_the_status_not_its_code(world: Shop, gql: GraphQLClient, settings: Settings) -> None:
    order = await _placed(world, settings)
    part = await StallOrder.get(order_id=order.id)
    await orders_service.accept_stall_order(actor=world.trader, stall_order_id=part.id)
    trader, buyer = token_for(world.trader, settings), token_for(world.buyer, settings)
    texts = {
        "id": ("Tidak dapat dilakukan: bagian pesanan lapak ini sedang disiapkan.",
               "Tidak dapat dilakukan: status pesanan dibatalkan."),
        "en": ("Not possible while this stall's part of the order is being prepared.",
               "Not possible while the order is cancelled."),
    }  # fmt: skip
    for language, (part_text, _) in texts.items():
        gql.language = language
        again = (await gql(ACCEPT, {"id": to_base64("StallOrder", part.id)}, token=trader))["acceptStallOrder"]
        assert again["errors"] == [{"code": "INVALID_STATE", "message": part_text}]
    assert (await gql(CANCEL, {"id": to_base64("Order", order.id)}, token=buyer))["cancelOrder"]["errors"] == []
    for language, (_, order_text) in texts.items():
        gql.language = language
        twice = (await gql(CANCEL, {"id": to_base64("Order", order.id)}, token=buyer))["cancelOrder"]
        assert twice["errors"] == [{"code": "INVALID_STATE", "message": order_text}]


async def test_numbers_in_error_messages_use_the_readers_decimal_mark(
    world: Shop, gql: GraphQLClient, settings: Settings
) -> None:
    gql.token = token_for(world.buyer, settings)
    wrong = {"input": {"productId": to_base64("Product", world.product.id), "quantity": "0.27"}}
    for language, step, stock in (
        ("id", "Jumlah minimal 0,25, dengan kelipatan 0,05.", "Stok tidak cukup (tersisa 10,5)."),
        ("en", "At least 0.25, in steps of 0.05.", "Not enough stock (10.5 left)."),
    ):
        gql.language = language
        [error] = (await gql(ADD.replace("field code", "field code message"), wrong))["addToCart"]["errors"]
        assert error["message"] == step
        too_many = _gql_input(world.market, [(world.product, "11")], f"short-{language}")
        placed = await gql(PLACE, {"input": too_many})
        assert placed["placeOrder"]["errors"] == [{"field": "input.items.0.quantity", "message": stock}]


async def test_a_weighing_out_of_tolerance_says_the_percentage(
    world: Shop, gql: GraphQLClient, settings: Settings
) -> None:
    order = await _placed(world, settings)
    part = await StallOrder.get(order_id=order.id).prefetch_related("items")
    await orders_service.accept_stall_order(actor=world.trader, stall_order_id=part.id)
    gql.token = token_for(world.trader, settings)
    variables = {"id": to_base64("OrderItem", part.items[0].id), "q": "0.75"}
    for language, text in (
        ("id", "Berat timbangan boleh berbeda paling banyak 10% dari pesanan."),
        ("en", "The weighed amount may differ from the order by at most 10%."),
    ):
        gql.language = language
        errors = (await gql(WEIGH, variables))["setFulfilledQuantity"]["errors"]
        assert errors == [{"field": "input.quantity", "code": "INVALID_INPUT", "message": text}]


async def test_system_cancel_reasons_read_as_words(world: Shop, gql: GraphQLClient, settings: Settings) -> None:
    unpaid = await _placed(world, settings, key="transfer", method=PaymentMethod.BANK_TRANSFER)
    await Order.filter(id=unpaid.id).update(payment_due_at=now() - timedelta(minutes=1))
    assert await orders_service.expire_unpaid_orders() == 1
    rejected = await _placed(world, settings, key="cod")
    part = await StallOrder.get(order_id=rejected.id)
    await orders_service.reject_stall_order(actor=world.trader, stall_order_id=part.id, reason="Ikan habis")

    gql.token = token_for(world.buyer, settings)
    for language, expired, all_rejected in (
        ("id", "pembayaran tidak diterima tepat waktu", "semua pedagang menolak"),
        ("en", "the payment did not arrive in time", "every trader rejected it"),
    ):
        gql.language = language
        for order, words in ((unpaid, expired), (rejected, all_rejected)):
            seen = (await gql(ORDER, {"id": to_base64("Order", order.id)}))["order"]
            assert seen["status"] == "CANCELLED" and seen["cancelReason"] == words
            [cancelled] = [e for e in seen["timeline"] if e["type"] == "CANCELLED"]
            assert cancelled["message"] == words
    # A reason someone wrote is shown as written.
    rejection = [e for e in seen["timeline"] if e["type"] == "STALL_REJECTED"]
    assert [e["message"] for e in rejection] == ["Ikan habis"]


async def test_a_reassigned_delivery_says_why_in_words(clean_db: None, gql: GraphQLClient, settings: Settings) -> None:
    world = await make_world(settings)
    order = await world.order()
    first = await delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=world.couriers[0].id)
    await delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=world.couriers[1].id)
    query = "query($id: ID!) { node(id: $id) { ... on DeliveryAssignment { status reason } } }"
    variables = {"id": to_base64("DeliveryAssignment", first.id)}
    for language, words in (
        ("id", "dialihkan ke kurir lain oleh pengelola pasar"),
        ("en", "given to another courier by the market admin"),
    ):
        gql.language = language
        seen = (await gql(query, variables, token=token_for(world.admin, settings)))["node"]
        assert seen == {"status": "WITHDRAWN", "reason": words}

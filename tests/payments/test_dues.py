"""What an order's buyer must pay: a transfer's unique amount, a dynamic QRIS, COD rounded to the coin; who sees it."""

import asyncio
import io
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image

from src.models.accounts import Role
from src.models.orders import Order, OrderItem, PaymentMethod, StallOrder
from src.models.payments import Payment, PaymentSettings, PaymentState
from src.services import orders as orders_service
from src.services import payments
from src.services.common.errors import DomainError
from src.settings import Settings
from tests.factories import make_market, make_user, token_for
from tests.support.graphql import GraphQLClient
from tests.support.qris import parse
from tests.support.world import BERAS, IKAN_TONGKOL, KM, Goods, World, make_shop, tomorrow

PAYMENT = """query($id: ID!) { order(id: $id) { number total { amount } codRounding { amount }
  payment { method status amountDue { amount } expiresAt qris { payload imageUrl }
    bankTransfer { bankName accountNumber accountName uniqueCode amountDue { amount } } proofUrl } } }"""


def _request(world: World, method: PaymentMethod, key: str, quantity: str = "1") -> orders_service.OrderRequest:
    return orders_service.OrderRequest(
        items=[orders_service.ItemInput(world.products[1].id, Decimal(quantity))],
        address=orders_service.AddressInput(
            line="Jl. Ijen 1", recipient_name="Bu Sri", recipient_phone="0812-3456-7890",
            lat=float(world.market.latitude) + KM, lng=float(world.market.longitude),
        ),
        slot=orders_service.SlotInput(date=tomorrow(), window=orders_service.SlotWindow.AFTERNOON),
        payment_method=method, note="", idempotency_key=key,
    )  # fmt: skip


async def test_racing_transfers_of_the_same_total_each_get_their_own_amount(world: World, settings: Settings) -> None:
    buyers = [await make_user(name=f"Pembeli {n}") for n in range(50)]

    async def place(n: int) -> Order:
        return await orders_service.place_order(
            actor=buyers[n], request=_request(world, PaymentMethod.BANK_TRANSFER, f"t-{n}"), settings=settings
        )

    orders = await asyncio.gather(*(place(n) for n in range(50)))
    assert len({o.total for o in orders}) == 1  # the same total for all fifty
    dues = await Payment.filter(order_id__in=[o.id for o in orders])
    assert len(dues) == 50
    assert len({p.amount_due for p in dues}) == 50
    for payment in dues:
        assert 1 <= payment.unique_code <= 999
        assert payment.amount_due == orders[0].total + payment.unique_code == payment.open_amount


async def test_the_buyer_sees_where_to_transfer_and_the_exact_amount(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    order = await world.order(method=PaymentMethod.BANK_TRANSFER, ready=False)
    data = await gql(PAYMENT, {"id": _gid(order)}, token=token_for(world.buyer, settings))
    payment = data["order"]["payment"]
    transfer = payment["bankTransfer"]
    assert payment["method"] == "BANK_TRANSFER" and payment["status"] == "PENDING"
    assert transfer["bankName"] == "Bank Jatim" and transfer["accountName"].startswith("UPT Pasar Uji")
    assert 1 <= transfer["uniqueCode"] <= 999
    due = data["order"]["total"]["amount"] + transfer["uniqueCode"]
    assert payment["amountDue"]["amount"] == transfer["amountDue"]["amount"] == due
    assert payment["expiresAt"] is not None and payment["qris"] is None


async def test_a_qris_order_gets_a_dynamic_qr_for_its_total_and_a_png(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    order = await world.order(method=PaymentMethod.QRIS, ready=False)
    data = await gql(PAYMENT, {"id": _gid(order)}, token=token_for(world.buyer, settings))
    qr = data["order"]["payment"]["qris"]
    fields = parse(qr["payload"])
    assert fields["01"] == "12"
    assert int(fields["54"]) == data["order"]["total"]["amount"] == data["order"]["payment"]["amountDue"]["amount"]
    assert order.number in fields["62"]
    assert qr["imageUrl"]
    stored = await Payment.get(order_id=order.id)
    from src.storage import build_storage

    png = (await build_storage(settings).get(stored.qris_image_key or "")).data
    # Read back by a QR decoder (zxing-cpp), as a banking app reads it: exactly the payload.
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [(d.format, d.text) for d in decoded] == [(zxingcpp.BarcodeFormat.QRCode, qr["payload"])]


async def test_cod_cash_is_rounded_to_the_coin_as_a_line_of_its_own(settings: Settings, gql: GraphQLClient) -> None:
    shop = await make_shop(settings, goods=(Goods("Cabai merah", 38_000, stock="100", min_quantity="0.01",
                                                  quantity_step="0.01"),))  # fmt: skip
    order = await shop.order(quantity="1.33", ready=False)  # Rp 50.540 + delivery fee
    payment = await Payment.get(order_id=order.id)
    assert payment.amount_due % 100 == 0
    assert payment.amount_due == order.total + payment.cod_rounding
    assert -50 < payment.cod_rounding <= 50 and payment.cod_rounding == payments.cod_rounding(order.total, 100)
    data = await gql(PAYMENT, {"id": _gid(order)}, token=token_for(shop.buyer, settings))
    assert data["order"]["codRounding"]["amount"] == payment.cod_rounding
    assert data["order"]["payment"]["amountDue"]["amount"] == payment.amount_due


def test_rounding_is_half_up_to_the_step() -> None:
    assert [payments.cod_rounding(t, 100) for t in (50_840, 50_850, 50_800, 50_849)] == [-40, 50, 0, -49]
    assert payments.cod_rounding(50_840, 500) == 160


async def test_a_market_without_a_way_to_take_transfers_refuses_them(clean_db: None, settings: Settings) -> None:
    shop = await make_shop(settings, market=await make_market(payment_settings=False), goods=(BERAS,))
    with pytest.raises(DomainError) as caught:
        await shop.order(method=PaymentMethod.BANK_TRANSFER, ready=False)
    assert (caught.value.field, caught.value.message_key) == ("paymentMethod", "NO_PAYMENT_SETTINGS")
    with pytest.raises(DomainError):
        await shop.order(method=PaymentMethod.QRIS, ready=False)
    assert await Order.all().count() == 0
    await shop.order(method=PaymentMethod.COD, ready=False)  # cash always works


async def test_only_the_buyer_and_the_markets_admins_see_the_payment(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    order = await world.order(method=PaymentMethod.BANK_TRANSFER, ready=False)
    admin = await gql(PAYMENT, {"id": _gid(order)}, token=token_for(world.admin, settings))
    assert admin["order"]["payment"]["bankTransfer"]["uniqueCode"] >= 1
    # The order becomes the traders' once paid; they see their part, not the buyer's money.
    await orders_service.confirm_payment(actor=world.admin, order_id=order.id)
    trader = await gql(PAYMENT, {"id": _gid(order)}, token=token_for(world.trader, settings))
    assert trader["order"]["payment"] is None and trader["order"]["codRounding"] is None
    other = await gql(PAYMENT, {"id": _gid(order)}, token=token_for(await make_user(), settings))
    assert other["order"] is None


async def test_confirming_records_the_money_and_frees_the_amount(world: World) -> None:
    order = await world.order(method=PaymentMethod.BANK_TRANSFER, ready=False)
    await orders_service.confirm_payment(actor=world.admin, order_id=order.id)
    payment = await Payment.get(order_id=order.id)
    assert payment.state == PaymentState.PAID
    assert payment.paid_amount == payment.amount_due and payment.open_amount is None
    assert payments.owed(await Order.get(id=order.id), payment) == payment.paid_amount


async def test_a_cancelled_unpaid_transfer_frees_its_amount(world: World) -> None:
    order = await world.order(method=PaymentMethod.BANK_TRANSFER, ready=False)
    await orders_service.cancel_order(actor=world.buyer, order_id=order.id, reason="salah pesan")
    payment = await Payment.get(order_id=order.id)
    assert payment.state == PaymentState.VOID and payment.open_amount is None and payment.paid_amount == 0


async def test_a_single_stalls_approved_settings_win_for_its_own_orders(world: World, settings: Settings) -> None:
    market_row = await PaymentSettings.get(scope=f"market:{world.market.id}")
    market_row.allow_stall_settings = True
    await market_row.save()
    own = payments.SettingsChanges(bank_name="BRI", account_number="0123-01-000123-30-1", account_name="Pak Slamet")
    row = await payments.set_stall_payment_settings(actor=world.traders[1], changes=own)
    assert row.status.value == "PENDING" and row.account_number == "012301000123301"
    pending = await orders_service.place_order(
        actor=world.buyer, request=_request(world, PaymentMethod.BANK_TRANSFER, "s-1"), settings=settings
    )
    assert (await Payment.get(order_id=pending.id)).account_name == market_row.account_name  # not approved yet
    await payments.review_stall_payment_settings(
        actor=world.admin, stall_id=world.stalls[1].id, approve=True, reason=None
    )
    mine = await orders_service.place_order(
        actor=world.buyer, request=_request(world, PaymentMethod.BANK_TRANSFER, "s-2"), settings=settings
    )
    assert (await Payment.get(order_id=mine.id)).account_name == "Pak Slamet"
    both = await world.order(method=PaymentMethod.BANK_TRANSFER, ready=False)  # two stalls: the market's
    assert (await Payment.get(order_id=both.id)).account_name == market_row.account_name


def _gid(order: Order) -> str:
    from strawberry.relay import to_base64

    return to_base64("Order", order.id)


__all__ = ["Role"]


async def test_a_cod_orders_cash_follows_its_weighed_total(settings: Settings) -> None:
    shop = await make_shop(settings, goods=(IKAN_TONGKOL,))
    order = await shop.order(quantity="0.5", ready=False)
    part = await StallOrder.get(order_id=order.id)
    item = await OrderItem.get(stall_order_id=part.id)
    await orders_service.accept_stall_order(actor=shop.trader, stall_order_id=part.id)
    await orders_service.set_fulfilled_quantity(
        actor=shop.trader, order_item_id=item.id, quantity=Decimal("0.46"), settings=settings
    )
    weighed = await Order.get(id=order.id)
    payment = await Payment.get(order_id=order.id)
    assert weighed.total == order.total - 1_520  # 0,04 kg less at Rp 38.000
    assert payment.base_amount == weighed.total
    assert payment.amount_due == weighed.total + payment.cod_rounding and payment.amount_due % 100 == 0


async def test_an_unpaid_qris_follows_a_new_total(world: World) -> None:
    order = await world.order(method=PaymentMethod.QRIS, ready=False)
    before = parse((await Payment.get(order_id=order.id)).qris_payload or "")
    order.total -= 1_520
    await order.save()
    await payments.follow_total(order)
    after = await Payment.get(order_id=order.id)
    fields = parse(after.qris_payload or "")
    assert int(fields["54"]) == int(before["54"]) - 1_520 == after.amount_due
    assert after.qris_image_key is None  # drawn again for the new amount

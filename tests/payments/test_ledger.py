"""The ledger: a trader's statement over a day with COD, QRIS and refunds, to the rupiah; payouts and couriers' cash
(never more than the balance, once per reference); who may see and record what; the market report's money."""

import asyncio
import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from strawberry.relay import to_base64

from src.models.accounts import Role
from src.models.orders import Order, OrderItem, PaymentMethod, StallOrder
from src.models.payments import LedgerEntry, LedgerKind, Payment, Refund, RefundReason
from src.models.reports import ReportExport
from src.services import orders as orders_service
from src.services import payments
from src.services import reports as reports_service
from src.services.common import dates
from src.services.common.errors import DomainError
from src.services.reports.exports import build_csv
from src.settings import Settings
from tests.factories import make_user, token_for
from tests.support.graphql import GraphQLClient
from tests.support.world import BERAS, IKAN_TONGKOL, World, make_world

STATEMENT = """query($stall: ID, $from: Date!, $to: Date!) { traderStatement(stallId: $stall, from: $from, to: $to) {
  stall { name } from to opening { amount } balance { amount } totals { kind amount { amount } }
  lines { date kind amount { amount } orderNumber reference order { number } } } }"""
PAYOUT = """mutation($input: RecordPayoutInput!) { recordPayout(input: $input) {
  payout { id amount { amount } reference stall { name } recordedBy { name } } errors { field code message } } }"""
REMIT = """mutation($input: RecordCodRemittanceInput!) { recordCodRemittance(input: $input) {
  remittance { id amount { amount } reference courier { name } recordedBy { name } }
  errors { field code message } } }"""
SETTLEMENT = """query($date: Date!, $courier: ID) { courierSettlement(date: $date, courierId: $courier) {
  codCollected { amount } codOwed { amount } remitted } }"""
MARKET_SETTLEMENTS = """query($market: ID!, $date: Date!) { marketSettlements(marketId: $market, date: $date) {
  courier { name } codOwed { amount } } }"""
MARK_REMITTED = """mutation($courier: ID!, $date: Date!) { markCashRemitted(input: {courierId: $courier, date: $date}) {
  settlement { codOwed { amount } remitted } errors { code } } }"""
NODE = "query($id: ID!) { node(id: $id) { ... on Payout { amount { amount } stall { name } } } }"
REPORT = """query($m: ID!, $d: Date!) { marketReport(marketId: $m, from: $d, to: $d) {
  codRounding { amount } refunds { amount } refundCount payouts { amount } commissions { amount } } }"""


def gid(kind: str, pk: int) -> str:
    return to_base64(kind, pk)


@dataclass
class Day:
    """A market day: order A (COD, 1 kg of tongkol weighed 1,07 kg) and B (QRIS, paid, 0,5 kg weighed 0,46 kg: Rp
    1.520 back), both with a beras from the second stall and delivered; then a complaint refund of Rp 5.000 on A's
    tongkol. The market's commission is 2,5 %."""

    world: World
    cod: Order
    qris: Order
    cod_part: StallOrder  # the tongkol stall's part of A
    qris_part: StallOrder
    weighed_less: Refund
    complaint: Refund
    today: date


async def _weigh_and_ready(world: World, order: Order, weighed: str) -> None:
    parts = await StallOrder.filter(order_id=order.id).select_related("stall__trader").order_by("id")
    for part in parts:
        await orders_service.accept_stall_order(actor=part.stall.trader, stall_order_id=part.id)
    fish = await OrderItem.get(stall_order__order_id=order.id, product_id=world.product.id)
    await orders_service.set_fulfilled_quantity(
        actor=world.trader, order_item_id=fish.id, quantity=Decimal(weighed), settings=world.settings
    )
    for part in parts:
        await orders_service.mark_stall_order_ready(actor=part.stall.trader, stall_order_id=part.id)


@pytest.fixture
async def day(clean_db: None, settings: Settings) -> Day:
    world = await make_world(
        settings.model_copy(update={"commission_percent": 2.5}), couriers=1, goods=(IKAN_TONGKOL, BERAS)
    )
    a = await world.order(quantity="1", ready=False)
    await _weigh_and_ready(world, a, "1.07")  # 1,07 kg × Rp 38.000 = Rp 40.660
    await world.deliver(await Order.get(id=a.id))  # the cash due

    b = await world.order(method=PaymentMethod.QRIS, quantity="0.5", ready=False)
    await orders_service.confirm_payment(actor=world.admin, order_id=b.id)  # paid for 0,5 kg: Rp 19.000
    await _weigh_and_ready(world, b, "0.46")  # Rp 17.480
    b = await Order.get(id=b.id)
    qris_part = await StallOrder.get(order_id=b.id, stall_id=world.stall.id)
    # The weighing itself gave the difference back (one refund, of that part).
    (weighed_less,) = await Refund.filter(order_id=b.id)
    assert (weighed_less.reason, weighed_less.stall_order_id) == (RefundReason.WEIGHED_LESS, qris_part.id)
    await world.deliver(b, cash=None)

    cod_part = await StallOrder.get(order_id=a.id, stall_id=world.stall.id)
    complaint = await Refund.create(
        payment=await Payment.get(order_id=a.id), order=a, market_id=a.market_id, stall_order=cod_part, amount=5_000,
        reason=RefundReason.COMPLAINT,
    )  # fmt: skip
    await payments.record_refund(refund=complaint, part=cod_part, order_number=a.number, recorded_by_id=world.admin.id)
    return Day(world, await Order.get(id=a.id), await Order.get(id=b.id), cod_part, qris_part, weighed_less,
               complaint, dates.today())  # fmt: skip


def _period(
    day: Day, stall: int | None = None, *, first: date | None = None, last: date | None = None
) -> dict[str, Any]:
    return {
        "stall": gid("Stall", stall) if stall else None,
        "from": (first or day.today).isoformat(),
        "to": (last or day.today).isoformat(),
    }


def _lines(statement: dict[str, Any]) -> list[tuple[str, str, int, str | None]]:
    return [(x["date"], x["kind"], x["amount"]["amount"], x["orderNumber"]) for x in statement["lines"]]


def _totals(statement: dict[str, Any]) -> dict[str, int]:
    return {t["kind"]: t["amount"]["amount"] for t in statement["totals"]}


def test_the_commission_is_rounded_half_up_to_the_rupiah() -> None:
    assert payments.commission(40_660, 2.5) == 1_017  # 1.016,5: half up, not to the even
    assert payments.commission(17_480, 2.5) == 437
    assert payments.commission(39_900, 2.5) == 998
    assert payments.commission(13_000, 0) == 0


async def test_a_traders_statement_over_a_day_with_cod_qris_and_refunds_balances_to_the_rupiah(
    day: Day, gql: GraphQLClient, settings: Settings
) -> None:
    a, b, today = day.cod.number, day.qris.number, day.today.isoformat()
    assert day.weighed_less.amount == 1_520  # 0,04 kg × Rp 38.000
    assert day.cod_part.subtotal == 40_660 and day.qris_part.subtotal == 17_480
    gql.token = token_for(day.world.trader, settings)
    statement = (await gql(STATEMENT, _period(day)))["traderStatement"]
    assert _lines(statement) == [
        (today, "SALE", 40_660, a),  # the weighed part, as delivered
        (today, "COMMISSION", -1_017, a),  # 2,5 % of it
        (today, "SALE", 17_480, b),  # weighed less: the sale is what was delivered, the Rp 1.520 went back
        (today, "COMMISSION", -437, b),
        (today, "REFUND", -5_000, a),  # the complaint, borne by this stall after delivery
    ]
    assert [line["order"]["number"] for line in statement["lines"]] == [a, a, b, b, a]
    assert statement["lines"][4]["reference"] == "COMPLAINT"
    assert statement["opening"]["amount"] == 0
    assert _totals(statement) == {"SALE": 58_140, "COMMISSION": -1_454, "REFUND": -5_000, "PAYOUT": 0}
    assert statement["balance"]["amount"] == 51_686 == await payments.stall_balance(day.world.stall.id)
    # The beras stall: two sales of Rp 13.000 less Rp 325 each; the tongkol stall's lines are not its own.
    gql.token = token_for(day.world.second_trader, settings)
    beras = (await gql(STATEMENT, _period(day)))["traderStatement"]
    assert _lines(beras) == [(today, "SALE", 13_000, a), (today, "COMMISSION", -325, a),
                             (today, "SALE", 13_000, b), (today, "COMMISSION", -325, b)]  # fmt: skip
    assert beras["balance"]["amount"] == 25_350
    # The market's admin and the trade office see the same statement, naming the stall.
    trade_office = await make_user(Role.MARKET_ADMIN, market=None)
    for who in (day.world.admin, trade_office):
        seen = await gql(STATEMENT, _period(day, day.world.stall.id), token=token_for(who, settings))
        assert _lines(seen["traderStatement"]) == _lines(statement)
        assert seen["traderStatement"]["balance"] == statement["balance"]
    # The buyer's money: paid − refunded = owed on the order that was weighed less.
    paid = await Payment.get(order_id=day.qris.id)
    assert paid.paid_amount - day.weighed_less.amount == payments.owed(day.qris, paid)


async def test_the_opening_is_the_balance_before_the_period(day: Day, gql: GraphQLClient, settings: Settings) -> None:
    yesterday = day.today - timedelta(days=1)
    # Order A's lines were written the day before (as if it was delivered then).
    noon = datetime.combine(yesterday, time(12), tzinfo=dates.WIB)
    await LedgerEntry.filter(order_id=day.cod.id, kind__in=[LedgerKind.SALE, LedgerKind.COMMISSION]).update(
        created_at=noon
    )
    gql.token = token_for(day.world.trader, settings)
    statement = (await gql(STATEMENT, _period(day)))["traderStatement"]
    assert statement["opening"]["amount"] == 40_660 - 1_017
    assert [line["kind"] for line in statement["lines"]] == ["SALE", "COMMISSION", "REFUND"]
    assert statement["balance"]["amount"] == 51_686
    both = (await gql(STATEMENT, _period(day, first=yesterday)))["traderStatement"]
    assert both["opening"]["amount"] == 0 and len(both["lines"]) == 5 and both["balance"]["amount"] == 51_686
    assert both["lines"][0]["date"] == yesterday.isoformat()
    before = (await gql(STATEMENT, _period(day, first=yesterday, last=yesterday)))["traderStatement"]
    assert before["balance"]["amount"] == 40_660 - 1_017
    after = (await gql(STATEMENT, _period(day, first=day.today + timedelta(days=1),
                                          last=day.today + timedelta(days=1))))["traderStatement"]  # fmt: skip
    assert after["opening"] == after["balance"] == {"amount": 51_686} and after["lines"] == []


async def test_a_payout_is_never_more_than_the_balance_and_happens_once_per_reference(
    day: Day, gql: GraphQLClient, settings: Settings
) -> None:
    gql.token = token_for(day.world.admin, settings)
    stall = gid("Stall", day.world.stall.id)
    lines = await LedgerEntry.all().count()
    over = (await gql(PAYOUT, {"input": {"stallId": stall, "amount": 51_687, "reference": "TRF-001"}}))["recordPayout"]
    assert over["payout"] is None
    assert over["errors"] == [{"field": "input.amount", "code": "INVALID_INPUT",
                               "message": "Jumlah melebihi saldo yang terutang (Rp 51.686)."}]  # fmt: skip
    for amount, reference, fields in (
        (0, "TRF-001", ["input.amount"]),
        (-5, "TRF-001", ["input.amount"]),
        (1_000, "  ", ["input.reference"]),
        (0, "", ["input.amount", "input.reference"]),
    ):
        refused = await gql(PAYOUT, {"input": {"stallId": stall, "amount": amount, "reference": reference}})
        assert [e["field"] for e in refused["recordPayout"]["errors"]] == fields
    assert await LedgerEntry.all().count() == lines  # nothing changed

    paid = (await gql(PAYOUT, {"input": {"stallId": stall, "amount": 50_000, "reference": "TRF-001"}}))["recordPayout"]
    assert paid["errors"] == []
    assert paid["payout"]["amount"]["amount"] == 50_000 and paid["payout"]["reference"] == "TRF-001"
    assert paid["payout"]["recordedBy"] == {"name": "Admin Pasar"}
    assert await payments.stall_balance(day.world.stall.id) == 1_686
    # The request again (an answer lost on the way): the same payout, nothing paid twice.
    again = (await gql(PAYOUT, {"input": {"stallId": stall, "amount": 50_000, "reference": "trf-001"}}))["recordPayout"]
    assert again["payout"]["id"] == paid["payout"]["id"]
    assert await LedgerEntry.filter(kind=LedgerKind.PAYOUT).count() == 1
    other = (await gql(PAYOUT, {"input": {"stallId": stall, "amount": 1_000, "reference": "TRF-001"}}))["recordPayout"]
    assert [(e["field"], e["code"]) for e in other["errors"]] == [("input.reference", "ALREADY_EXISTS")]
    gql.language = "en"
    rest = (await gql(PAYOUT, {"input": {"stallId": stall, "amount": 1_687, "reference": "TRF-002"}}))["recordPayout"]
    assert rest["errors"][0]["message"] == "The amount is more than the balance owed (Rp 1.686)."

    gql.token = token_for(day.world.trader, settings)
    statement = (await gql(STATEMENT, _period(day)))["traderStatement"]
    assert _lines(statement)[-1] == (day.today.isoformat(), "PAYOUT", -50_000, None)
    assert statement["lines"][-1]["reference"] == "TRF-001" and statement["lines"][-1]["order"] is None
    assert _totals(statement)["PAYOUT"] == -50_000 and statement["balance"]["amount"] == 1_686
    # The payout as a node: its trader and the market's admins see it, another trader does not.
    node = (await gql(NODE, {"id": paid["payout"]["id"]}))["node"]
    assert node == {"amount": {"amount": 50_000}, "stall": {"name": day.world.stall.name}}
    assert (await gql(NODE, {"id": paid["payout"]["id"]}, token=token_for(day.world.second_trader, settings)))[
        "node"
    ] is None


async def test_racing_payouts_never_pay_more_than_the_balance(day: Day) -> None:
    async def pay(n: int) -> bool:
        try:
            await payments.record_payout(actor=day.world.admin, stall_id=day.world.stall.id, amount=20_000,
                                         reference=f"TRF-{n}")  # fmt: skip
            return True
        except DomainError:
            return False

    paid = await asyncio.gather(*(pay(n) for n in range(5)))
    assert sum(paid) == 2  # Rp 51.686 holds two of Rp 20.000
    assert await payments.stall_balance(day.world.stall.id) == 11_686


async def test_a_courier_owes_the_cash_collected_until_it_is_handed_over(
    day: Day, gql: GraphQLClient, settings: Settings
) -> None:
    world = day.world
    courier, today = gid("User", world.couriers[0].id), day.today.isoformat()
    due = (await Payment.get(order_id=day.cod.id)).amount_due
    assert due % 100 == 0 and due == day.cod.total + 40  # Rp …660 rounded up to the coin
    collected = await LedgerEntry.get(kind=LedgerKind.COD_COLLECTED)
    assert (collected.courier_id, collected.amount) == (world.couriers[0].id, due)
    assert collected.order_number == day.cod.number
    gql.token = token_for(world.couriers[0], settings)
    own = (await gql(SETTLEMENT, {"date": today}))["courierSettlement"]
    assert own["codOwed"]["amount"] == due and own["remitted"] is False

    gql.token = token_for(world.admin, settings)
    over = await gql(REMIT, {"input": {"courierId": courier, "amount": due + 1, "reference": "S-1"}})
    errors = over["recordCodRemittance"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("input.amount", "INVALID_INPUT")]
    part = await gql(REMIT, {"input": {"courierId": courier, "amount": 20_000, "reference": "S-1"}})
    remittance = part["recordCodRemittance"]["remittance"]
    assert remittance["amount"]["amount"] == 20_000 and remittance["courier"]["name"] == "Kurir A"
    assert remittance["recordedBy"]["name"] == "Admin Pasar"
    settlements = await gql(MARKET_SETTLEMENTS, {"market": gid("Market", world.market.id), "date": today})
    assert settlements["marketSettlements"] == [{"courier": {"name": "Kurir A"}, "codOwed": {"amount": due - 20_000}}]
    # Marking the day's cash handed over takes off the rest (not the Rp 20.000 again), once.
    marked = (await gql(MARK_REMITTED, {"courier": courier, "date": today}))["markCashRemitted"]
    assert marked["settlement"] == {"codOwed": {"amount": 0}, "remitted": True}
    assert await LedgerEntry.filter(kind=LedgerKind.COD_REMITTED).order_by("id").values_list("amount", flat=True) == [
        -20_000, -(due - 20_000),
    ]  # fmt: skip
    await gql(MARK_REMITTED, {"courier": courier, "date": today})
    assert await LedgerEntry.filter(kind=LedgerKind.COD_REMITTED).count() == 2
    assert (await payments.courier_balances([world.couriers[0].id])) == {world.couriers[0].id: 0}
    more = await gql(REMIT, {"input": {"courierId": courier, "amount": 1, "reference": "S-2"}})
    assert more["recordCodRemittance"]["errors"][0]["message"] == "Jumlah melebihi saldo yang terutang (Rp 0)."


async def test_a_day_marked_remitted_first_leaves_nothing_to_remit_by_amount(
    day: Day, gql: GraphQLClient, settings: Settings
) -> None:
    gql.token = token_for(day.world.admin, settings)
    courier = gid("User", day.world.couriers[0].id)
    marked = (await gql(MARK_REMITTED, {"courier": courier, "date": day.today.isoformat()}))["markCashRemitted"]
    assert marked["settlement"] == {"codOwed": {"amount": 0}, "remitted": True}
    refused = await gql(REMIT, {"input": {"courierId": courier, "amount": 100, "reference": "S-1"}})
    assert refused["recordCodRemittance"]["errors"][0]["field"] == "input.amount"


async def test_only_the_right_people_record_payouts_and_remittances_and_read_statements(
    day: Day, gql: GraphQLClient, settings: Settings
) -> None:
    world = day.world
    stall, courier = gid("Stall", world.stall.id), gid("User", world.couriers[0].id)
    payout = {"input": {"stallId": stall, "amount": 1_000, "reference": "TRF-9"}}
    remit = {"input": {"courierId": courier, "amount": 1_000, "reference": "S-9"}}
    buyer = await make_user(name="Pembeli lain")
    lines = await LedgerEntry.all().count()
    for who in (world.trader, world.second_trader, world.other_admin, world.buyer, buyer, world.couriers[0]):
        token = token_for(who, settings)
        refused = (await gql(PAYOUT, payout, token=token))["recordPayout"]
        assert refused["payout"] is None and refused["errors"][0]["code"] == "PERMISSION_DENIED", who.role
        refused = (await gql(REMIT, remit, token=token))["recordCodRemittance"]
        assert refused["remittance"] is None and refused["errors"][0]["code"] == "PERMISSION_DENIED", who.role
    anonymous = (await gql(PAYOUT, payout))["recordPayout"]
    assert anonymous["errors"][0]["code"] == "UNAUTHENTICATED"
    # A remittance is a courier's: another user's id is not one.
    trader_id = {"input": {**remit["input"], "courierId": gid("User", world.trader.id)}}
    not_courier = (await gql(REMIT, trader_id, token=token_for(world.admin, settings)))["recordCodRemittance"]
    assert [(e["field"], e["code"]) for e in not_courier["errors"]] == [("input.courierId", "NOT_FOUND")]
    foreign = {"input": {**remit["input"], "courierId": gid("User", world.foreign_courier.id)}}
    assert (await gql(REMIT, foreign, token=token_for(world.admin, settings)))["recordCodRemittance"]["errors"][0][
        "code"
    ] == "PERMISSION_DENIED"
    assert await LedgerEntry.all().count() == lines

    # Statements: the other trader names this stall, another market's admin, a buyer, a courier.
    for who, variables in (
        (world.second_trader, _period(day, world.stall.id)),
        (world.other_admin, _period(day, world.stall.id)),
        (buyer, _period(day)),
        (world.couriers[0], _period(day)),
    ):
        errors = await gql.errors(STATEMENT, variables, token=token_for(who, settings))
        assert errors[0]["extensions"]["code"] == "PERMISSION_DENIED", who.role
    errors = await gql.errors(STATEMENT, _period(day), token=token_for(world.admin, settings))
    assert errors[0]["extensions"] == {"code": "INVALID_INPUT", "field": "stallId"}  # an admin names the stall
    # A trader may name their own stall, or none.
    own = await gql(STATEMENT, _period(day, world.stall.id), token=token_for(world.trader, settings))
    assert own["traderStatement"]["balance"]["amount"] == 51_686
    backwards = {**_period(day), "from": day.today.isoformat(), "to": (day.today - timedelta(days=1)).isoformat()}
    errors = await gql.errors(STATEMENT, backwards, token=token_for(world.trader, settings))
    assert errors[0]["extensions"] == {"code": "INVALID_INPUT", "field": "to"}
    too_long = _period(day, first=day.today - timedelta(days=366))
    errors = await gql.errors(STATEMENT, too_long, token=token_for(world.trader, settings))
    assert errors[0]["extensions"] == {"code": "INVALID_INPUT", "field": "to"}


async def test_a_deliverys_lines_exist_once_even_if_the_hook_runs_again(world: World, settings: Settings) -> None:
    """Commission 0 % (the default): no COMMISSION lines; a rejected part sells nothing."""
    order = await world.order(ready=False)
    rejected = await StallOrder.get(order_id=order.id, stall_id=world.second_stall.id)
    await orders_service.reject_stall_order(actor=world.second_trader, stall_order_id=rejected.id, reason="habis")
    kept = await StallOrder.get(order_id=order.id, stall_id=world.stall.id)
    await orders_service.accept_stall_order(actor=world.trader, stall_order_id=kept.id)
    await orders_service.mark_stall_order_ready(actor=world.trader, stall_order_id=kept.id)
    assignment = await world.deliver(await Order.get(id=order.id))
    order = await Order.get(id=order.id)
    rows = await LedgerEntry.all().order_by("id").values_list("key", "kind", "amount", "stall_id", "courier_id")
    due = (await Payment.get(order_id=order.id)).amount_due
    assert rows == [
        (f"sale:{kept.id}", LedgerKind.SALE, 120_000, world.stall.id, None),
        (f"cod:{order.id}", LedgerKind.COD_COLLECTED, due, None, world.couriers[0].id),
    ]
    parts = (await orders_service.parts_of([order.id]))[order.id]
    for _ in range(2):  # the hook again, as a retried delivery would run it
        again = await payments.record_delivery(
            order=order, parts=parts, courier_id=world.couriers[0].id, cod_collected=assignment.cod_collected,
            commission_percent=settings.commission_percent,
        )  # fmt: skip
        assert [e.key for e in again] == [r[0] for r in rows]
    assert await LedgerEntry.all().count() == 2
    # A refund charged to the part twice is one line too.
    complaint = await Refund.create(
        payment=await Payment.get(order_id=order.id), order=order, market_id=order.market_id, stall_order=kept,
        amount=2_000, reason=RefundReason.COMPLAINT,
    )  # fmt: skip
    for _ in range(2):
        await payments.record_refund(refund=complaint, part=kept, order_number=order.number)
    assert await LedgerEntry.filter(kind=LedgerKind.REFUND).values_list("amount", flat=True) == [-2_000]
    assert await payments.stall_balance(world.stall.id) == 118_000


async def test_the_market_report_and_its_csv_show_refunds_payouts_commissions_and_cod_rounding(
    day: Day, gql: GraphQLClient, settings: Settings
) -> None:
    world = day.world
    await payments.record_payout(actor=world.admin, stall_id=world.stall.id, amount=50_000, reference="TRF-001")
    rounding = (await Payment.get(order_id=day.cod.id)).cod_rounding
    assert rounding == 40
    gql.token = token_for(world.admin, settings)
    report = (await gql(REPORT, {"m": gid("Market", world.market.id), "d": day.today.isoformat()}))["marketReport"]
    assert report == {
        "codRounding": {"amount": 40},  # order A only: B was paid by QRIS
        "refunds": {"amount": 1_520 + 5_000},
        "refundCount": 2,
        "payouts": {"amount": 50_000},
        "commissions": {"amount": 1_017 + 437 + 325 + 325},
    }
    # Another market's figures are its own.
    other = await reports_service.market_report(actor=world.other_admin, market_id=world.other_market.id,
                                                date_from=day.today, date_to=day.today)  # fmt: skip
    assert (other.refunds, other.payouts, other.cod_rounding, other.commissions) == (0, 0, 0, 0)

    export = await ReportExport.create(requested_by=world.admin, market=world.market, date_from=day.today,
                                       date_to=day.today)  # fmt: skip
    data, count = await build_csv(export)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    names = ("Nomor Pesanan", "Lapak", "Jenis Baris", "Jumlah Transaksi (Rp)", "Status Transaksi", "Alasan",
             "Referensi", "Total Baris (Rp)")  # fmt: skip
    col = {name: header.index(name) for name in names}
    assert count == len(body) == 4 + 1 + 2 + 1
    kinds = [r[col["Jenis Baris"]] for r in body]
    assert kinds == ["Barang"] * 4 + ["Pembulatan COD", "Pengembalian Dana", "Pengembalian Dana", "Pembayaran ke Lapak"]
    money = [(r[col["Jenis Baris"]], r[col["Nomor Pesanan"]], r[col["Lapak"]], r[col["Jumlah Transaksi (Rp)"]],
              r[col["Status Transaksi"]], r[col["Alasan"]], r[col["Referensi"]]) for r in body[4:]]  # fmt: skip
    stall = world.stall.name
    assert money == [
        ("Pembulatan COD", day.cod.number, "", "40", "", "", ""),
        ("Pengembalian Dana", day.qris.number, stall, "1520", "PENDING", "WEIGHED_LESS", ""),
        ("Pengembalian Dana", day.cod.number, stall, "5000", "PENDING", "COMPLAINT", ""),
        ("Pembayaran ke Lapak", "", stall, "50000", "", "", "TRF-001"),
    ]
    assert sum(int(r[col["Total Baris (Rp)"]]) for r in body[:4]) == 40_660 + 13_000 + 17_480 + 13_000

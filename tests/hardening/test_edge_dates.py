"""Dates at the calendar's edge: every date input of the schema is bounded (2020-01-01 .. a year from today,
WIB), refused with INVALID_INPUT and changes nothing; an export whose job crashes ends FAILED, not PENDING."""

from datetime import date, timedelta
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, GraphQLList, GraphQLNonNull, GraphQLScalarType
from strawberry.relay import to_base64

from src.models.delivery import DeliveryAssignment
from src.models.markets import Market, Stall
from src.models.orders import Order
from src.models.outbox import OutboxEvent
from src.models.reports import ExportStatus, ReportExport
from src.schema import build_schema
from src.services.common import dates
from src.settings import Settings
from tests.factories import make_user, token_for
from tests.support.graphql import GraphQLClient
from tests.support.world import KM, World, make_world

REPORT = """query($m: ID, $from: Date!, $to: Date!) {
  marketReport(marketId: $m, from: $from, to: $to) { orders } }"""
SETTLEMENT = "query($date: Date!) { courierSettlement(date: $date) { deliveryCount } }"
STATEMENT = "query($from: Date!, $to: Date!) { traderStatement(from: $from, to: $to) { balance { amount } } }"
MARKET_SETTLEMENTS = """query($m: ID!, $date: Date!) {
  marketSettlements(marketId: $m, date: $date) { deliveryCount } }"""
EXPORT = """mutation($m: ID, $from: Date!, $to: Date!) {
  exportMarketReport(input: {marketId: $m, from: $from, to: $to}) {
    reportExport { id } errors { field code message } } }"""
REMIT = """mutation($courier: ID!, $date: Date!) { markCashRemitted(input: {courierId: $courier, date: $date}) {
  settlement { deliveryCount } errors { field code message } } }"""
PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  order { id } errors { field code message } } }"""
EXPORT_NODE = "query($id: ID!) { node(id: $id) { ... on ReportExport { status error } } }"

YEAR_ONE, LAST_DAY = "0001-01-01", "9999-12-31"
EDGES = (YEAR_ONE, "2019-12-31", LAST_DAY)

# Every Date argument and Date input field of the schema, and the test below that tries it.
COVERED = {
    "Query.marketReport(from)": "queries",
    "Query.marketReport(to)": "queries",
    "Query.courierSettlement(date)": "queries",
    "Query.marketSettlements(date)": "queries",
    "Query.pickingList(date)": "queries",
    "Query.traderStatement(from)": "queries",
    "Query.traderStatement(to)": "queries",
    "ExportMarketReportInput.from": "mutations",
    "ExportMarketReportInput.to": "mutations",
    "MarkCashRemittedInput.date": "mutations",
    "DeliverySlotInput.date": "mutations",
    "SetStallHoursInput.closedDates": "hours",
    "SetStallHoursInput.openDates": "hours",
    "SetMarketHoursInput.closedDates": "hours",
    "SetMarketHoursInput.openDates": "hours",
}


def _date_inputs() -> set[str]:
    schema = build_schema()._schema
    found: set[str] = set()
    seen: set[str] = set()

    def named(kind: Any) -> Any:
        while isinstance(kind, GraphQLNonNull | GraphQLList):
            kind = kind.of_type
        return kind

    def walk(input_type: GraphQLInputObjectType) -> None:
        if input_type.name in seen:
            return
        seen.add(input_type.name)
        for name, input_field in input_type.fields.items():
            kind = named(input_field.type)
            if isinstance(kind, GraphQLScalarType) and kind.name == "Date":
                found.add(f"{input_type.name}.{name}")
            elif isinstance(kind, GraphQLInputObjectType):
                walk(kind)

    for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
        for field_name, root_field in (root.fields if root else {}).items():
            for arg_name, arg in root_field.args.items():
                kind = named(arg.type)
                if isinstance(kind, GraphQLScalarType) and kind.name == "Date":
                    found.add(f"{root.name}.{field_name}({arg_name})")  # type: ignore[union-attr]
                elif isinstance(kind, GraphQLInputObjectType):
                    walk(kind)
    return found


def test_every_date_input_of_the_schema_is_tried_here() -> None:
    """A date input added later fails this test until it is bounded and tried below."""
    assert _date_inputs() == set(COVERED)


def test_the_bound() -> None:
    today = dates.today()
    assert dates.check_date(date(2020, 1, 1), field="d") == date(2020, 1, 1)
    assert dates.check_date(dates.latest(), field="d") == dates.latest()
    assert dates.latest() - today in (timedelta(days=365), timedelta(days=366))
    for outside in (date(2019, 12, 31), dates.latest() + timedelta(days=1), date.min, date.max):
        with pytest.raises(Exception) as refused:
            dates.check_date(outside, field="d")
        assert (refused.value.code.value, refused.value.field) == ("INVALID_INPUT", "d")  # type: ignore[attr-defined]


def _argument(error: dict[str, Any]) -> tuple[str, str]:
    """A query's error: its code and the argument it names (`from`, not `input.from`)."""
    return error["extensions"]["code"], error["extensions"]["field"]


async def _snapshot() -> tuple[int, int, int, int]:
    remitted = await DeliveryAssignment.filter(cash_remitted_at__isnull=False).count()
    return await ReportExport.all().count(), await OutboxEvent.all().count(), await Order.all().count(), remitted


@pytest.fixture
async def world(clean_db: None, settings: Settings) -> World:
    return await make_world(settings, couriers=1)


async def test_edge_dates_in_queries_are_invalid_input(world: World, gql: GraphQLClient, settings: Settings) -> None:
    market = to_base64("Market", world.market.id)
    today = dates.today().isoformat()
    before = await _snapshot()
    trade_office = await make_user(world.admin.role, market=None)
    for edge in EDGES:
        for who, market_id in ((world.admin, market), (trade_office, None)):
            gql.token = token_for(who, settings)
            for variables, field in (
                ({"m": market_id, "from": edge, "to": today}, "from"),
                ({"m": market_id, "from": today, "to": edge}, "to"),
                ({"m": market_id, "from": edge, "to": edge}, "from"),
            ):
                errors = await gql.errors(REPORT, variables)
                assert _argument(errors[0]) == ("INVALID_INPUT", field), (edge, variables)
        gql.token = token_for(world.trader, settings)
        for variables, field in (({"from": edge, "to": today}, "from"), ({"from": today, "to": edge}, "to")):
            errors = await gql.errors(STATEMENT, variables)
            assert _argument(errors[0]) == ("INVALID_INPUT", field), (edge, variables)
        gql.token = token_for(world.admin, settings)
        errors = await gql.errors(MARKET_SETTLEMENTS, {"m": market, "date": edge})
        assert _argument(errors[0]) == ("INVALID_INPUT", "date"), edge
        gql.token = token_for(world.trader, settings)
        errors = await gql.errors("query($d: Date!) { pickingList(date: $d) { lines { unit } } }", {"d": edge})
        assert _argument(errors[0]) == ("INVALID_INPUT", "date"), edge
        gql.token = token_for(world.couriers[0], settings)
        errors = await gql.errors(SETTLEMENT, {"date": edge})
        assert _argument(errors[0]) == ("INVALID_INPUT", "date"), edge
    # The message names the range, in the reader's language, with dates as Indonesians write them.
    last = dates.latest().strftime("%d-%m-%Y")
    assert errors[0]["message"] == f"Tanggal harus antara 01-01-2020 dan {last}."
    gql.language = "en"
    errors = await gql.errors(SETTLEMENT, {"date": YEAR_ONE})
    assert errors[0]["message"] == f"The date must be between 01-01-2020 and {last}."
    # The bounds themselves are fine.
    gql.token = token_for(world.admin, settings)
    for variables in (
        {"m": market, "from": "2020-01-01", "to": "2020-12-31"},
        {"m": market, "from": today, "to": today},
    ):
        assert (await gql(REPORT, variables))["marketReport"]["orders"] == 0
    assert (await gql(MARKET_SETTLEMENTS, {"m": market, "date": dates.latest().isoformat()}))["marketSettlements"]
    gql.token = token_for(world.trader, settings)
    statement = await gql(STATEMENT, {"from": "2020-01-01", "to": "2020-12-31"})
    assert statement["traderStatement"]["balance"]["amount"] == 0
    assert await _snapshot() == before


async def test_edge_dates_in_mutations_are_refused_and_change_nothing(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    market = to_base64("Market", world.market.id)
    today = dates.today().isoformat()
    courier = to_base64("User", world.couriers[0].id)
    delivered = await world.order()  # a COD delivery whose cash could be marked remitted
    before = await _snapshot()
    for edge in EDGES:
        gql.token = token_for(world.admin, settings)
        for variables, fields in (
            ({"m": market, "from": edge, "to": today}, ["input.from"]),
            ({"m": market, "from": today, "to": edge}, ["input.to"]),
            ({"m": market, "from": edge, "to": edge}, ["input.from", "input.to"]),  # both named at once
        ):
            payload = (await gql(EXPORT, variables))["exportMarketReport"]
            assert payload["reportExport"] is None
            assert [(e["field"], e["code"]) for e in payload["errors"]] == [(f, "INVALID_INPUT") for f in fields]
        payload = (await gql(REMIT, {"courier": courier, "date": edge}))["markCashRemitted"]
        assert payload["settlement"] is None
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [("input.date", "INVALID_INPUT")]

        gql.token = token_for(world.buyer, settings)
        order_input = {
            "items": [{"productId": to_base64("Product", world.product.id), "quantity": "1"}],
            "address": {
                "line": "Jl. Ijen No. 9", "recipientName": "Bu Sri", "recipientPhone": "0812-3456-7890",
                "location": {"lat": float(world.market.latitude) + KM, "lng": float(world.market.longitude)},
            },
            "deliverySlot": {"date": edge, "window": "AFTERNOON"},
            "paymentMethod": "COD",
            "idempotencyKey": f"edge-{edge}",
        }  # fmt: skip
        payload = (await gql(PLACE, {"input": order_input}))["placeOrder"]
        assert payload["order"] is None
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [("input.deliverySlot.date", "INVALID_INPUT")]
    assert payload["errors"][0]["message"].startswith("Tanggal harus antara 01-01-2020 dan ")
    assert await _snapshot() == before
    assert (await Order.get(id=delivered.id)).status == delivered.status


async def test_an_export_whose_job_crashes_ends_failed_with_a_reason(
    world: World, gql: GraphQLClient, settings: Settings, run_jobs: Any
) -> None:
    """An export of year 1 (as asked before dates were bounded) makes the job's period overflow: an error
    no one planned for. The export ends FAILED with a reason its admin can read, not PENDING forever."""
    export = await ReportExport.create(
        requested_by_id=world.admin.id, market_id=world.market.id, date_from=date(1, 1, 1), date_to=date(1, 1, 2)
    )
    await OutboxEvent.create(topic="report.requested", payload={"export_id": export.id})
    from src.services import notifications as notifications_service

    queue = gql.http._transport.app.state.resources.queue  # type: ignore[attr-defined]
    await notifications_service.hand_over(queue)
    worker = await run_jobs()
    assert worker.jobs_failed == 0  # the job ended, and said how
    failed = await ReportExport.get(id=export.id)
    assert (failed.status, failed.error, failed.storage_key) == (ExportStatus.FAILED, "EXPORT_FAILED", None)
    assert failed.finished_at is not None
    gql.token = token_for(world.admin, settings)
    node = (await gql(EXPORT_NODE, {"id": to_base64("ReportExport", export.id)}))["node"]
    assert node == {"status": "FAILED", "error": "Ekspor laporan gagal dibuat. Silakan minta ekspor lagi."}


SET_STALL_HOURS = """mutation($input: SetStallHoursInput!) { setStallHours(input: $input) {
  stall { id } errors { field code } } }"""
SET_MARKET_HOURS = """mutation($input: SetMarketHoursInput!) { setMarketHours(input: $input) {
  market { id } errors { field code } } }"""


async def test_edge_dates_in_hours_are_refused_and_change_nothing(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    hours = [{"day": "MON", "opens": "05:00", "closes": "11:00"}]
    market = {"marketId": to_base64("Market", world.market.id)}
    for edge in EDGES:
        for key in ("closedDates", "openDates"):
            gql.token = token_for(world.trader, settings)
            payload = (await gql(SET_STALL_HOURS, {"input": {"hours": hours, key: [edge]}}))["setStallHours"]
            assert payload["errors"] == [{"field": f"input.{key}.0", "code": "INVALID_INPUT"}], (edge, key)
            gql.token = token_for(world.admin, settings)
            payload = await gql(SET_MARKET_HOURS, {"input": {**market, "hours": hours, key: [edge]}})
            assert payload["setMarketHours"]["errors"] == [{"field": f"input.{key}.0", "code": "INVALID_INPUT"}]
    assert (await Stall.get(id=world.stall.id)).opening_schedule is None
    assert (await Market.get(id=world.market.id)).opening_schedule is None

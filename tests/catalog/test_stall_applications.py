"""The admin's queue: stall applications listed for their market's admin (the trade office for every market),
the admins told of each application and the trader of the decision, in-app, by e-mail and by webhook."""

from typing import Any

import pytest
from strawberry.relay import to_base64

from src.models.accounts import Role, User
from src.models.markets import Market, Stall, StallStatus
from src.models.notifications import DeliveryStatus, Notification
from src.settings import Settings
from tests.factories import make_market, make_stall, make_user, token_for
from tests.notifications.test_notifications import (  # noqa: F401  (fixtures)
    Receiver,
    mailbox,
    notify_gql,
    notify_settings,
    receiver,
)
from tests.support.graphql import GraphQLClient

QUEUE = """query($market: ID, $status: StallStatus, $first: Int, $after: String) {
  stallApplications(marketId: $market, status: $status, first: $first, after: $after) {
    edges { node { name stallNumber status statusReason market { name } trader { name phone } } }
    pageInfo { hasNextPage endCursor } } }"""
APPLY = """mutation($input: ApplyForStallInput!) { applyForStall(input: $input) { stall { id status }
  errors { field code } } }"""
REVIEW = """mutation($input: ReviewStallInput!) { reviewStall(input: $input) { stall { status statusReason }
  errors { field code } } }"""
INBOX = "{ notifications { edges { node { type title body data } } } }"


@pytest.fixture
async def markets(clean_db: None) -> tuple[Market, Market]:
    return await make_market(name="Pasar Besar"), await make_market(name="Pasar Dinoyo")


def _names(data: dict[str, Any]) -> list[str]:
    return [e["node"]["name"] for e in data["stallApplications"]["edges"]]


async def test_an_admin_reads_their_markets_queue_oldest_first_a_page_at_a_time(
    gql: GraphQLClient, settings: Settings, markets: tuple[Market, Market]
) -> None:
    besar, dinoyo = markets
    for n in range(3):
        await make_stall(market=besar, status=StallStatus.PENDING, name=f"Besar {n}")
    await make_stall(market=besar, status=StallStatus.APPROVED, name="Besar disetujui")
    await make_stall(market=besar, status=StallStatus.REJECTED, name="Besar ditolak", status_reason="Nomor salah")
    await make_stall(market=dinoyo, status=StallStatus.PENDING, name="Dinoyo 0")

    gql.token = token_for(await make_user(Role.MARKET_ADMIN, market=besar), settings)
    assert _names(await gql(QUEUE)) == ["Besar 0", "Besar 1", "Besar 2"]  # their market, PENDING, oldest first
    first = await gql(QUEUE, {"first": 2})
    assert _names(first) == ["Besar 0", "Besar 1"] and first["stallApplications"]["pageInfo"]["hasNextPage"]
    rest = await gql(QUEUE, {"first": 2, "after": first["stallApplications"]["pageInfo"]["endCursor"]})
    assert _names(rest) == ["Besar 2"] and not rest["stallApplications"]["pageInfo"]["hasNextPage"]
    rejected = await gql(QUEUE, {"market": to_base64("Market", besar.id), "status": "REJECTED"})
    assert rejected["stallApplications"]["edges"][0]["node"]["statusReason"] == "Nomor salah"

    first_applicant = await (await Stall.get(name="Besar 0")).trader
    node = first["stallApplications"]["edges"][0]["node"]
    assert node["trader"] == {"name": first_applicant.name, "phone": first_applicant.phone}  # who applied

    gql.token = token_for(await make_user(Role.MARKET_ADMIN), settings)  # the trade office
    assert _names(await gql(QUEUE)) == ["Besar 0", "Besar 1", "Besar 2", "Dinoyo 0"]
    assert _names(await gql(QUEUE, {"market": to_base64("Market", dinoyo.id)})) == ["Dinoyo 0"]
    # Anybody else reading the stall sees no trader.
    gql.token = token_for(await make_user(Role.BUYER), settings)
    approved = await Stall.get(name="Besar disetujui")
    stall_node = "query($id: ID!) { node(id: $id) { ... on Stall { name trader { name } } } }"
    assert (await gql(stall_node, {"id": to_base64("Stall", approved.id)}))["node"] == {
        "name": "Besar disetujui",
        "trader": None,
    }


async def test_nobody_else_reads_a_markets_queue(
    gql: GraphQLClient, settings: Settings, markets: tuple[Market, Market]
) -> None:
    besar, dinoyo = markets
    pending = await make_stall(market=besar, status=StallStatus.PENDING)
    own = {"market": to_base64("Market", besar.id)}
    for outsider, variables in (
        (await make_user(Role.MARKET_ADMIN, market=dinoyo), own),  # another market's admin
        (await pending.trader, own),
        (await make_user(Role.TRADER), {}),
        (await make_user(Role.BUYER), {}),
        (await make_user(Role.COURIER, market=besar), own),
    ):
        gql.token = token_for(outsider, settings)
        errors = await gql.errors(QUEUE, variables)
        assert [e["extensions"]["code"] for e in errors] == ["PERMISSION_DENIED"], outsider.role
    gql.token = token_for(await make_user(Role.MARKET_ADMIN, market=dinoyo), settings)
    assert _names(await gql(QUEUE)) == []  # their own market's queue: empty
    gql.token = None
    assert (await gql.errors(QUEUE, own))[0]["extensions"]["code"] == "UNAUTHENTICATED"
    gql.token = token_for(await make_user(Role.MARKET_ADMIN), settings)
    assert (await gql.errors(QUEUE, {"first": 0}))[0]["extensions"]["code"] == "INVALID_INPUT"
    unknown = await gql.errors(QUEUE, {"market": to_base64("Market", 99_999)})
    assert unknown[0]["extensions"] == {"code": "NOT_FOUND", "field": "marketId"}


async def test_the_admin_hears_of_an_application_and_the_trader_of_the_decision_on_every_channel(
    notify_gql: GraphQLClient,  # noqa: F811
    notify_settings: Settings,  # noqa: F811
    run_jobs: Any,
    mailbox: Any,  # noqa: F811
    receiver: tuple[Receiver, int],  # noqa: F811
    markets: tuple[Market, Market],
) -> None:
    besar, dinoyo = markets
    admin = await make_user(Role.MARKET_ADMIN, market=besar, email="admin@pasarbesar.id", name="Admin Besar")
    other_admin = await make_user(Role.MARKET_ADMIN, market=dinoyo, email="admin@dinoyo.id")
    office = await make_user(Role.MARKET_ADMIN, email="kantor@malangkota.go.id")
    trader = await make_user(Role.TRADER, email="tin@example.id", name="Bu Tin", language="en")
    box, gateway = mailbox[0], receiver[0]

    notify_gql.token = token_for(trader, notify_settings)
    applied = (
        await notify_gql(
            APPLY, {"input": {"marketId": to_base64("Market", besar.id), "name": "Sayur Bu Tin", "stallNumber": "B-12"}}
        )
    )["applyForStall"]
    assert applied["errors"] == []
    await run_jobs(settings=notify_settings)
    [mail] = box.to("admin@pasarbesar.id")
    assert mail["Subject"] == "Pengajuan lapak B-12"
    assert "Bu Tin mengajukan lapak Sayur Bu Tin (B-12) di Pasar Besar" in mail.text()
    assert box.to("admin@dinoyo.id") == [] and box.to("kantor@malangkota.go.id") == []  # not their market
    [call] = gateway.bodies()
    assert call["phone"] == admin.phone and call["template"] == "stall_applied_admin"
    assert call["params"]["stall_number"] == "B-12"
    notify_gql.token = token_for(admin, notify_settings)
    [seen] = (await notify_gql(INBOX))["notifications"]["edges"]
    assert seen["node"]["type"] == "stall.applied"
    assert seen["node"]["data"]["stallId"] == (await Stall.get(trader_id=trader.id)).id

    review = {"stallId": applied["stall"]["id"], "decision": "REJECT", "reason": "Nomor lapak sudah dipakai"}
    assert (await notify_gql(REVIEW, {"input": review}))["reviewStall"]["stall"]["status"] == "REJECTED"
    await run_jobs(settings=notify_settings)
    [told] = box.to("tin@example.id")
    assert told["Subject"] == "Stall application Sayur Bu Tin rejected"  # in English, as the trader signed up
    assert "was rejected: Nomor lapak sudah dipakai. You may apply again." in told.text()
    assert gateway.bodies()[-1]["phone"] == trader.phone
    assert gateway.bodies()[-1]["params"]["reason"] == "Nomor lapak sudah dipakai"
    notify_gql.token = token_for(trader, notify_settings)
    [inbox] = (await notify_gql(INBOX))["notifications"]["edges"]
    assert inbox["node"]["type"] == "stall.reviewed" and "Nomor lapak sudah dipakai" in inbox["node"]["body"]

    # Applying again and approved: told again, once each.
    again = {"marketId": to_base64("Market", besar.id), "name": "Sayur Bu Tin", "stallNumber": "B-14"}
    assert (await notify_gql(APPLY, {"input": again}))["applyForStall"]["errors"] == []
    notify_gql.token = token_for(admin, notify_settings)
    approve = {"stallId": applied["stall"]["id"], "decision": "APPROVE"}
    assert (await notify_gql(REVIEW, {"input": approve}))["reviewStall"]["stall"]["status"] == "APPROVED"
    await run_jobs(settings=notify_settings)
    await run_jobs(settings=notify_settings)
    assert [m["Subject"] for m in box.to("admin@pasarbesar.id")] == ["Pengajuan lapak B-12", "Pengajuan lapak B-14"]
    assert [m["Subject"] for m in box.to("tin@example.id")][-1] == "Stall Sayur Bu Tin approved"
    assert len(box.to("tin@example.id")) == 2
    statuses = set(await Notification.all().values_list("email_status", "webhook_status"))
    assert statuses == {(DeliveryStatus.SENT, DeliveryStatus.SENT)}
    assert not await Notification.filter(user_id__in=[other_admin.id, office.id]).exists()


async def test_a_market_without_an_admin_sends_its_applications_to_the_trade_office(
    gql: GraphQLClient, settings: Settings, run_jobs: Any, markets: tuple[Market, Market]
) -> None:
    besar, _ = markets
    office = await make_user(Role.MARKET_ADMIN, name="Diskoperindag")
    trader: User = await make_user(Role.TRADER)
    gql.token = token_for(trader, settings)
    variables = {"input": {"marketId": to_base64("Market", besar.id), "name": "Ikan Segar", "stallNumber": "C-3"}}
    assert (await gql(APPLY, variables))["applyForStall"]["errors"] == []
    await run_jobs()
    [notification] = await Notification.filter(user_id=office.id)
    assert notification.title == "Pengajuan lapak C-3" and notification.template == "stall_applied_admin"

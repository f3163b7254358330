"""Stalls: a trader applies, the market's admin reviews through one transition table, the trader opens."""

import pytest
from strawberry.relay import to_base64

from src.models.accounts import Role, User
from src.models.markets import Market, Stall, StallStatus
from src.settings import Settings
from tests.factories import make_market, make_stall, make_user, token_for
from tests.support.graphql import GraphQLClient

STALL = "stall { id name stallNumber status statusReason isOpen market { name } }"
APPLY = (
    f"mutation($input: ApplyForStallInput!) {{ applyForStall(input: $input) {{ {STALL} errors {{ field code }} }} }}"
)
REVIEW = f"mutation($input: ReviewStallInput!) {{ reviewStall(input: $input) {{ {STALL} errors {{ field code }} }} }}"
OPEN = f"mutation($input: SetStallOpenInput!) {{ setStallOpen(input: $input) {{ {STALL} errors {{ field code }} }} }}"
ME = "{ me { stall { status stallNumber } } }"
MARKET = "query($id: ID!) { market(id: $id) { name stalls(first: 10) { edges { node { stallNumber } } } } }"


@pytest.fixture
async def market() -> Market:
    return await make_market()


async def _as(gql: GraphQLClient, settings: Settings, user: User) -> User:
    gql.token = token_for(user, settings)
    return user


async def test_apply_review_and_open(gql: GraphQLClient, settings: Settings, market: Market) -> None:
    trader = await _as(gql, settings, await make_user(Role.TRADER))
    applied = (
        await gql(
            APPLY,
            {"input": {"marketId": to_base64("Market", market.id), "name": "Sayur Bu Tin", "stallNumber": " b-12 "}},
        )
    )["applyForStall"]
    assert applied["errors"] == []
    assert applied["stall"]["status"] == "PENDING" and applied["stall"]["stallNumber"] == "B-12"
    stall_id = applied["stall"]["id"]

    # Not approved yet: it cannot open.
    refused = (await gql(OPEN, {"input": {"open": True}}))["setStallOpen"]
    assert refused["errors"] == [{"field": "input.open", "code": "INVALID_STATE"}]

    await _as(gql, settings, await make_user(Role.MARKET_ADMIN, market=market))
    approved = (await gql(REVIEW, {"input": {"stallId": stall_id, "decision": "APPROVE"}}))["reviewStall"]
    assert approved["errors"] == [] and approved["stall"]["status"] == "APPROVED"

    await _as(gql, settings, trader)
    opened = (await gql(OPEN, {"input": {"open": True}}))["setStallOpen"]
    assert opened["stall"]["isOpen"] is True
    assert (await gql(ME))["me"]["stall"] == {"status": "APPROVED", "stallNumber": "B-12"}
    listed = (await gql(MARKET, {"id": to_base64("Market", market.id)}))["market"]["stalls"]["edges"]
    assert [e["node"]["stallNumber"] for e in listed] == ["B-12"]


async def test_rejecting_and_suspending_need_a_reason_and_suspension_closes(
    gql: GraphQLClient, settings: Settings, market: Market
) -> None:
    stall = await make_stall(market=market, status=StallStatus.APPROVED, is_open=True)
    await _as(gql, settings, await make_user(Role.MARKET_ADMIN, market=market))
    stall_id = to_base64("Stall", stall.id)

    no_reason = (await gql(REVIEW, {"input": {"stallId": stall_id, "decision": "SUSPEND"}}))["reviewStall"]
    assert no_reason["errors"] == [{"field": "input.reason", "code": "INVALID_INPUT"}]
    assert (await Stall.get(id=stall.id)).status == StallStatus.APPROVED

    suspended = (
        await gql(REVIEW, {"input": {"stallId": stall_id, "decision": "SUSPEND", "reason": "Timbangan tidak tera"}})
    )["reviewStall"]
    assert suspended["stall"]["status"] == "SUSPENDED"
    assert suspended["stall"]["isOpen"] is False
    assert suspended["stall"]["statusReason"] == "Timbangan tidak tera"


@pytest.mark.parametrize(
    ("start", "decision"),
    [
        (StallStatus.APPROVED, "APPROVE"),
        (StallStatus.APPROVED, "REJECT"),
        (StallStatus.REJECTED, "APPROVE"),
        (StallStatus.REJECTED, "SUSPEND"),
        (StallStatus.PENDING, "SUSPEND"),
        (StallStatus.SUSPENDED, "REJECT"),
    ],
)
async def test_transitions_outside_the_table_are_invalid_state(
    gql: GraphQLClient, settings: Settings, market: Market, start: StallStatus, decision: str
) -> None:
    stall = await make_stall(market=market, status=start)
    await _as(gql, settings, await make_user(Role.MARKET_ADMIN, market=market))
    payload = (
        await gql(REVIEW, {"input": {"stallId": to_base64("Stall", stall.id), "decision": decision, "reason": "x"}})
    )["reviewStall"]
    assert payload["errors"] == [{"field": "input.decision", "code": "INVALID_STATE"}]
    assert (await Stall.get(id=stall.id)).status == start


async def test_only_that_markets_admin_or_the_trade_office_reviews(
    gql: GraphQLClient, settings: Settings, market: Market
) -> None:
    stall = await make_stall(market=market, status=StallStatus.PENDING)
    review = {"input": {"stallId": to_base64("Stall", stall.id), "decision": "APPROVE"}}
    for outsider in (
        await make_user(Role.MARKET_ADMIN, market=await make_market()),
        await make_user(Role.TRADER),
        await stall.trader,
        await make_user(Role.BUYER),
        await make_user(Role.COURIER, market=market),
    ):
        await _as(gql, settings, outsider)
        payload = (await gql(REVIEW, review))["reviewStall"]
        assert payload["errors"][0]["code"] == "PERMISSION_DENIED", outsider.role
    assert (await Stall.get(id=stall.id)).status == StallStatus.PENDING

    await _as(gql, settings, await make_user(Role.MARKET_ADMIN))  # the trade office
    assert (await gql(REVIEW, review))["reviewStall"]["stall"]["status"] == "APPROVED"


async def test_stall_numbers_are_unique_per_market_and_one_stall_per_trader(
    gql: GraphQLClient, settings: Settings, market: Market
) -> None:
    await make_stall(market=market, stall_number="A-01")
    await _as(gql, settings, await make_user(Role.TRADER))
    market_id = to_base64("Market", market.id)
    taken = await gql(APPLY, {"input": {"marketId": market_id, "name": "Lapak", "stallNumber": "a-01"}})
    assert taken["applyForStall"]["errors"] == [{"field": "input.stallNumber", "code": "ALREADY_EXISTS"}]

    first = await gql(APPLY, {"input": {"marketId": market_id, "name": "Lapak", "stallNumber": "A-02"}})
    assert first["applyForStall"]["errors"] == []
    second = await gql(APPLY, {"input": {"marketId": market_id, "name": "Lapak 2", "stallNumber": "A-03"}})
    assert second["applyForStall"]["errors"] == [{"field": None, "code": "ALREADY_EXISTS"}]
    assert await Stall.filter(market_id=market.id).count() == 2


async def test_only_traders_apply_and_bad_input_is_named(
    gql: GraphQLClient, settings: Settings, market: Market
) -> None:
    market_id = to_base64("Market", market.id)
    for role in (Role.BUYER, Role.COURIER, Role.MARKET_ADMIN):
        await _as(gql, settings, await make_user(role))
        payload = await gql(APPLY, {"input": {"marketId": market_id, "name": "X", "stallNumber": "1"}})
        assert payload["applyForStall"]["errors"][0]["code"] == "PERMISSION_DENIED"
    await _as(gql, settings, await make_user(Role.TRADER))
    payload = (await gql(APPLY, {"input": {"marketId": market_id, "name": " ", "stallNumber": ""}}))["applyForStall"]
    assert sorted(e["field"] for e in payload["errors"]) == ["input.name", "input.stallNumber"]
    unknown = await gql(APPLY, {"input": {"marketId": to_base64("Market", 999), "name": "X", "stallNumber": "1"}})
    assert unknown["applyForStall"]["errors"] == [{"field": "input.marketId", "code": "NOT_FOUND"}]
    assert await Stall.all().count() == 0

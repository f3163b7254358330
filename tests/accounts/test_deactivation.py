"""setUserActive: deactivating an account ends its sessions at once; who may deactivate whom."""

from typing import Any

import pytest

from src.models.accounts import RefreshToken, Role, User
from src.models.markets import Market
from src.settings import Settings
from tests.accounts.documents import ME, SET_ACTIVE, codes, login, market_gid, refresh, user_gid
from tests.factories import PASSWORD, make_market, make_user, token_for
from tests.support.graphql import GraphQLClient


async def set_active(gql: GraphQLClient, user_id: str, active: bool, token: str | None) -> dict[str, Any]:
    variables = {"input": {"userId": user_id, "active": active}}
    return (await gql(SET_ACTIVE, variables, token=token))["setUserActive"]


async def assert_refused(
    gql: GraphQLClient, target: User, token: str | None, expected: list[tuple[str | None, str]]
) -> None:
    payload = await set_active(gql, user_gid(target), False, token)

    assert codes(payload) == expected
    assert payload["user"] is None
    assert (await User.get(id=target.id)).is_active is True


@pytest.fixture
async def market() -> Market:
    return await make_market()


@pytest.fixture
async def trade_office(settings: Settings) -> str:
    return token_for(await make_user(Role.MARKET_ADMIN, name="Dinas Perdagangan"), settings)


async def test_a_deactivated_users_sessions_end_at_once(gql: GraphQLClient, trade_office: str) -> None:
    buyer = await make_user()
    session = await login(gql, buyer.phone, PASSWORD)
    assert (await gql(ME, token=session["accessToken"]))["me"]["id"] == user_gid(buyer)

    payload = await set_active(gql, user_gid(buyer), False, trade_office)

    assert payload == {"user": {"id": user_gid(buyer), "isActive": False}, "errors": []}
    # The access token, though not expired, no longer works.
    errors = await gql.errors(ME, token=session["accessToken"])
    assert errors[0]["extensions"]["code"] == "INVALID_TOKEN"
    # Neither does the refresh token, nor the password.
    assert codes(await refresh(gql, session["refreshToken"])) == [("input.refreshToken", "INVALID_TOKEN")]
    assert codes(await login(gql, buyer.phone, PASSWORD)) == [(None, "INVALID_CREDENTIALS")]
    assert await RefreshToken.filter(user_id=buyer.id, revoked_at__isnull=True).count() == 0


async def test_a_reactivated_user_logs_in_again_but_old_sessions_stay_ended(
    gql: GraphQLClient, trade_office: str
) -> None:
    trader = await make_user(Role.TRADER)
    old = await login(gql, trader.phone, PASSWORD)
    await set_active(gql, user_gid(trader), False, trade_office)

    payload = await set_active(gql, user_gid(trader), True, trade_office)

    assert payload["errors"] == [] and payload["user"]["isActive"] is True
    assert codes(await refresh(gql, old["refreshToken"])) == [("input.refreshToken", "INVALID_TOKEN")]
    fresh = await login(gql, trader.phone, PASSWORD)
    assert fresh["errors"] == []
    assert (await gql(ME, token=fresh["accessToken"]))["me"]["isActive"] is True
    # The access token from before the deactivation has not expired, yet it stays dead.
    errors = await gql.errors(ME, token=old["accessToken"])
    assert errors[0]["extensions"]["code"] == "INVALID_TOKEN"


async def test_other_users_sessions_are_untouched(gql: GraphQLClient, trade_office: str) -> None:
    leaving, staying = await make_user(), await make_user()
    staying_session = await login(gql, staying.phone, PASSWORD)

    await set_active(gql, user_gid(leaving), False, trade_office)

    assert (await refresh(gql, staying_session["refreshToken"]))["errors"] == []


@pytest.mark.parametrize("role", [Role.COURIER, Role.MARKET_ADMIN])
async def test_a_market_admin_deactivates_their_own_markets_staff(
    gql: GraphQLClient, settings: Settings, market: Market, role: Role
) -> None:
    admin = await make_user(Role.MARKET_ADMIN, market=market)
    staff = await make_user(role, market=market)

    payload = await set_active(gql, user_gid(staff), False, token_for(admin, settings))

    assert payload["errors"] == []
    assert (await User.get(id=staff.id)).is_active is False
    errors = await gql.errors(ME, token=token_for(staff, settings))
    assert errors[0]["extensions"]["code"] == "INVALID_TOKEN"


async def test_a_market_admin_cannot_deactivate_another_markets_staff(
    gql: GraphQLClient, settings: Settings, market: Market
) -> None:
    admin = await make_user(Role.MARKET_ADMIN, market=market)
    elsewhere = await make_market()

    for role in (Role.COURIER, Role.MARKET_ADMIN):
        target = await make_user(role, market=elsewhere)
        await assert_refused(gql, target, token_for(admin, settings), [(None, "PERMISSION_DENIED")])


@pytest.mark.parametrize("role", [Role.BUYER, Role.TRADER])
async def test_a_market_admin_cannot_deactivate_buyers_or_traders(
    gql: GraphQLClient, settings: Settings, market: Market, role: Role
) -> None:
    admin = await make_user(Role.MARKET_ADMIN, market=market)

    await assert_refused(gql, await make_user(role), token_for(admin, settings), [(None, "PERMISSION_DENIED")])


async def test_a_market_admin_cannot_deactivate_the_trade_office(
    gql: GraphQLClient, settings: Settings, market: Market
) -> None:
    admin = await make_user(Role.MARKET_ADMIN, market=market)
    office = await make_user(Role.MARKET_ADMIN)

    await assert_refused(gql, office, token_for(admin, settings), [(None, "PERMISSION_DENIED")])


@pytest.mark.parametrize("role", [Role.BUYER, Role.TRADER, Role.COURIER])
async def test_other_roles_may_not_deactivate_anyone(
    gql: GraphQLClient, settings: Settings, market: Market, role: Role
) -> None:
    actor = await make_user(role, market=market if role == Role.COURIER else None)
    colleague = await make_user(Role.COURIER, market=market)

    await assert_refused(gql, colleague, token_for(actor, settings), [(None, "PERMISSION_DENIED")])


async def test_nobody_may_deactivate_without_logging_in(gql: GraphQLClient) -> None:
    await assert_refused(gql, await make_user(), None, [(None, "UNAUTHENTICATED")])


async def test_an_admin_cannot_deactivate_themselves(gql: GraphQLClient, settings: Settings, market: Market) -> None:
    for admin in (await make_user(Role.MARKET_ADMIN, market=market), await make_user(Role.MARKET_ADMIN)):
        await assert_refused(gql, admin, token_for(admin, settings), [("input.userId", "INVALID_STATE")])


async def test_an_unknown_user_is_not_found(gql: GraphQLClient, trade_office: str, market: Market) -> None:
    gone = await make_user()
    gid = user_gid(gone)
    await gone.delete()

    assert codes(await set_active(gql, gid, False, trade_office)) == [("input.userId", "NOT_FOUND")]
    assert codes(await set_active(gql, market_gid(market), False, trade_office)) == [("input.userId", "NOT_FOUND")]


async def test_the_messages_follow_the_language(gql: GraphQLClient, settings: Settings, market: Market) -> None:
    buyer = await make_user()
    actor = token_for(await make_user(Role.COURIER, market=market), settings)

    indonesian = await set_active(gql, user_gid(buyer), False, actor)
    gql.language = "en"
    english = await set_active(gql, user_gid(buyer), False, actor)

    assert indonesian["errors"][0]["message"] == "Anda tidak berhak melakukan tindakan ini."
    assert english["errors"][0]["message"] == "You are not allowed to do this."

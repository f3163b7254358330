"""createStaffUser: market admins add couriers and admins to their own market; the trade office to any."""

from typing import Any

import pytest
from argon2 import PasswordHasher

from src.models.accounts import Role, User
from src.models.markets import Market
from src.settings import Settings
from tests.accounts.documents import CREATE_STAFF, codes, counts, login, market_gid, user_gid
from tests.factories import make_market, make_user, token_for
from tests.support.graphql import GraphQLClient

STAFF_PASSWORD = "antar-sayur-segar"


def staff_input(market: Market | None, role: str = "COURIER", **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "phone": "0813-1111-2222",
        "password": STAFF_PASSWORD,
        "name": "Mas Kurir",
        "role": role,
        "marketId": market_gid(market) if market else None,
    }
    fields.update(overrides)
    return {"input": fields}


async def create_staff(gql: GraphQLClient, variables: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return (await gql(CREATE_STAFF, variables, **kwargs))["createStaffUser"]


async def assert_refused(gql: GraphQLClient, variables: dict[str, Any], expected: list[tuple[str | None, str]]) -> Any:
    before = await counts()

    payload = await create_staff(gql, variables)

    assert codes(payload) == expected
    assert payload["user"] is None
    assert await counts() == before
    return payload["errors"]


@pytest.fixture
async def market() -> Market:
    return await make_market()


@pytest.fixture
async def other_market() -> Market:
    return await make_market()


async def as_user(gql: GraphQLClient, settings: Settings, role: Role, market: Market | None = None) -> User:
    user = await make_user(role, market=market)
    gql.token = token_for(user, settings)
    return user


@pytest.mark.parametrize("role", ["COURIER", "MARKET_ADMIN"])
async def test_a_market_admin_adds_staff_to_their_market(
    gql: GraphQLClient, settings: Settings, market: Market, role: str
) -> None:
    await as_user(gql, settings, Role.MARKET_ADMIN, market)

    payload = await create_staff(gql, staff_input(market, role, name=" Mas  Kurir "))

    assert payload["errors"] == []
    created = payload["user"]
    assert created["role"] == role
    assert created["phone"] == "+6281311112222"
    assert created["name"] == "Mas Kurir"
    assert created["isActive"] is True
    assert created["market"] == {"id": market_gid(market), "name": market.name}
    stored = await User.get(phone="+6281311112222")
    assert created["id"] == user_gid(stored)
    assert stored.market_id == market.id and stored.role == Role(role)
    assert PasswordHasher().verify(stored.password_hash, STAFF_PASSWORD)


async def test_the_new_staff_member_can_log_in(gql: GraphQLClient, settings: Settings, market: Market) -> None:
    await as_user(gql, settings, Role.MARKET_ADMIN, market)
    assert (await create_staff(gql, staff_input(market)))["errors"] == []
    gql.token = None

    session = await login(gql, "+62 813 1111 2222", STAFF_PASSWORD)

    assert session["errors"] == []
    assert session["user"]["role"] == "COURIER"


async def test_a_market_admin_cannot_add_staff_to_another_market(
    gql: GraphQLClient, settings: Settings, market: Market, other_market: Market
) -> None:
    await as_user(gql, settings, Role.MARKET_ADMIN, market)

    for role in ("COURIER", "MARKET_ADMIN"):
        errors = await assert_refused(gql, staff_input(other_market, role), [(None, "PERMISSION_DENIED")])
        assert errors[0]["message"] == "Anda tidak berhak melakukan tindakan ini."


@pytest.mark.parametrize("role", ["COURIER", "MARKET_ADMIN"])
async def test_a_market_admin_must_name_a_market(
    gql: GraphQLClient, settings: Settings, market: Market, role: str
) -> None:
    await as_user(gql, settings, Role.MARKET_ADMIN, market)

    errors = await assert_refused(gql, staff_input(None, role), [("input.marketId", "INVALID_INPUT")])

    assert errors[0]["message"] == "Pilih pasar untuk staf ini."


@pytest.mark.parametrize("role", [Role.BUYER, Role.TRADER, Role.COURIER])
async def test_other_roles_may_not_add_staff(
    gql: GraphQLClient, settings: Settings, market: Market, role: Role
) -> None:
    await as_user(gql, settings, role, market if role == Role.COURIER else None)

    for staff_role in ("COURIER", "MARKET_ADMIN"):
        await assert_refused(gql, staff_input(market, staff_role), [(None, "PERMISSION_DENIED")])


async def test_nobody_may_add_staff_without_logging_in(gql: GraphQLClient, market: Market) -> None:
    errors = await assert_refused(gql, staff_input(market), [(None, "UNAUTHENTICATED")])
    assert errors[0]["message"] == "Silakan masuk terlebih dahulu."


async def test_a_deactivated_admin_may_not_add_staff(gql: GraphQLClient, settings: Settings, market: Market) -> None:
    admin = await as_user(gql, settings, Role.MARKET_ADMIN, market)
    await User.filter(id=admin.id).update(is_active=False)

    await assert_refused(gql, staff_input(market), [(None, "INVALID_TOKEN")])


async def test_the_trade_office_adds_staff_to_any_market(
    gql: GraphQLClient, settings: Settings, market: Market, other_market: Market
) -> None:
    await as_user(gql, settings, Role.MARKET_ADMIN)

    courier = await create_staff(gql, staff_input(market, "COURIER"))
    admin = await create_staff(gql, staff_input(other_market, "MARKET_ADMIN", phone="0813-3333-4444"))

    assert courier["errors"] == [] and admin["errors"] == []
    assert courier["user"]["market"]["id"] == market_gid(market)
    assert admin["user"]["market"]["id"] == market_gid(other_market)
    assert (await User.get(phone="+6281311112222")).market_id == market.id
    assert (await User.get(phone="+6281333334444")).market_id == other_market.id


async def test_the_trade_office_adds_another_trade_office_admin(gql: GraphQLClient, settings: Settings) -> None:
    await as_user(gql, settings, Role.MARKET_ADMIN)

    payload = await create_staff(gql, staff_input(None, "MARKET_ADMIN"))

    assert payload["errors"] == []
    assert payload["user"]["role"] == "MARKET_ADMIN"
    assert payload["user"]["market"] is None
    stored = await User.get(phone="+6281311112222")
    assert stored.market_id is None


async def test_a_courier_always_belongs_to_a_market(gql: GraphQLClient, settings: Settings) -> None:
    await as_user(gql, settings, Role.MARKET_ADMIN)

    await assert_refused(gql, staff_input(None, "COURIER"), [("input.marketId", "INVALID_INPUT")])


@pytest.mark.parametrize("role", ["BUYER", "TRADER"])
async def test_only_staff_roles_can_be_created(
    gql: GraphQLClient, settings: Settings, market: Market, role: str
) -> None:
    await as_user(gql, settings, Role.MARKET_ADMIN, market)

    await assert_refused(gql, staff_input(market, role), [("input.role", "INVALID_INPUT")])


async def test_an_unknown_market_is_not_found(gql: GraphQLClient, settings: Settings) -> None:
    await as_user(gql, settings, Role.MARKET_ADMIN)
    missing = await make_market()
    gid = market_gid(missing)
    await missing.delete()

    await assert_refused(gql, staff_input(None, marketId=gid), [("input.marketId", "NOT_FOUND")])


async def test_a_market_id_of_another_type_is_not_found(gql: GraphQLClient, settings: Settings, market: Market) -> None:
    admin = await as_user(gql, settings, Role.MARKET_ADMIN, market)

    await assert_refused(gql, staff_input(None, marketId=user_gid(admin)), [("input.marketId", "NOT_FOUND")])


async def test_a_taken_phone_is_refused(gql: GraphQLClient, settings: Settings, market: Market) -> None:
    await as_user(gql, settings, Role.MARKET_ADMIN, market)
    buyer = await make_user()

    await assert_refused(gql, staff_input(market, phone=buyer.phone), [("input.phone", "PHONE_TAKEN")])

    assert (await User.get(id=buyer.id)).role == Role.BUYER


async def test_every_invalid_field_is_reported_at_once(gql: GraphQLClient, settings: Settings, market: Market) -> None:
    await as_user(gql, settings, Role.MARKET_ADMIN, market)

    await assert_refused(
        gql,
        staff_input(None, "BUYER", phone="0341-551234", password="bismillah", name=" "),
        [
            ("input.role", "INVALID_INPUT"),
            ("input.marketId", "INVALID_INPUT"),
            ("input.phone", "INVALID_PHONE"),
            ("input.password", "WEAK_PASSWORD"),
            ("input.name", "INVALID_INPUT"),
        ],
    )


async def test_messages_are_in_english_when_asked(gql: GraphQLClient, settings: Settings, market: Market) -> None:
    await as_user(gql, settings, Role.MARKET_ADMIN, market)
    gql.language = "en"

    errors = await assert_refused(
        gql,
        staff_input(None, password="short"),
        [("input.marketId", "INVALID_INPUT"), ("input.password", "WEAK_PASSWORD")],
    )

    assert [e["message"] for e in errors] == [
        "Choose a market for this staff member.",
        "The password must be at least 8 characters long.",
    ]

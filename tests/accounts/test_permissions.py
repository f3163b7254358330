"""The permission rules every service relies on, and the field-level checks of the schema."""

from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from starlette.requests import Request
from strawberry.permission import PermissionExtension

from src.models.accounts import Role, User
from src.models.markets import Market
from src.schema.context import Context
from src.schema.permissions import HasRole, IsAuthenticated
from src.services.common.errors import DomainError, ErrorCode
from src.services.permissions import Action, authorize, is_trade_office, may, require_role
from src.settings import Settings
from tests.accounts.documents import user_gid
from tests.factories import make_market, make_user, token_for
from tests.support.graphql import GraphQLClient


@pytest.fixture(autouse=True)
def _database(clean_db: None) -> None:
    """Every test here makes users and markets."""


@pytest.fixture
async def markets() -> tuple[Market, Market]:
    return await make_market(), await make_market()


async def test_a_market_admin_administers_only_their_market(markets: tuple[Market, Market]) -> None:
    own, other = markets
    admin = await make_user(Role.MARKET_ADMIN, market=own)
    own_courier = await make_user(Role.COURIER, market=own)
    other_courier = await make_user(Role.COURIER, market=other)

    assert may(admin, Action.ADMINISTER, own)
    assert may(admin, Action.ADMINISTER, own_courier)
    assert not may(admin, Action.ADMINISTER, other)
    assert not may(admin, Action.ADMINISTER, other_courier)
    assert not is_trade_office(admin)


async def test_the_trade_office_administers_every_market(markets: tuple[Market, Market]) -> None:
    office = await make_user(Role.MARKET_ADMIN)

    assert is_trade_office(office)
    for market in markets:
        assert may(office, Action.ADMINISTER, market)
        assert may(office, Action.ADMINISTER, await make_user(Role.COURIER, market=market))


@pytest.mark.parametrize("role", [Role.BUYER, Role.TRADER, Role.COURIER])
async def test_other_roles_administer_nothing(markets: tuple[Market, Market], role: Role) -> None:
    own, _ = markets
    # Even with a market of their own (a courier's), and even with no market at all.
    for market in (own, None):
        user = await make_user(role, market=market)
        assert not may(user, Action.ADMINISTER, own)
        assert not is_trade_office(user)
        with pytest.raises(DomainError) as refused:
            authorize(user, Action.ADMINISTER, own)
        assert refused.value.code is ErrorCode.PERMISSION_DENIED


async def test_a_deactivated_admin_administers_nothing(markets: tuple[Market, Market]) -> None:
    own, _ = markets
    for admin in (await make_user(Role.MARKET_ADMIN, market=own), await make_user(Role.MARKET_ADMIN)):
        admin.is_active = False
        assert not may(admin, Action.ADMINISTER, own)


async def test_nobody_may_do_anything(markets: tuple[Market, Market]) -> None:
    own, _ = markets
    assert not may(None, Action.ADMINISTER, own)
    assert not is_trade_office(None)
    with pytest.raises(DomainError) as refused:
        authorize(None, Action.ADMINISTER, own)
    assert refused.value.code is ErrorCode.UNAUTHENTICATED


async def test_owners_manage_what_is_theirs() -> None:
    trader, other = await make_user(Role.TRADER), await make_user(Role.TRADER)
    stall = SimpleNamespace(trader_id=trader.id, market_id=None)

    assert may(trader, Action.MANAGE, stall)
    assert not may(other, Action.MANAGE, stall)
    assert not may(trader, Action.MANAGE, SimpleNamespace())  # nothing that names an owner
    authorize(trader, Action.MANAGE, stall)
    with pytest.raises(DomainError) as refused:
        authorize(other, Action.MANAGE, stall)
    assert refused.value.code is ErrorCode.PERMISSION_DENIED
    trader.is_active = False
    assert not may(trader, Action.MANAGE, stall)


async def test_require_role() -> None:
    courier = await make_user(Role.COURIER, market=await make_market())

    assert require_role(courier, Role.COURIER, Role.MARKET_ADMIN) is courier
    with pytest.raises(DomainError) as refused:
        require_role(courier, Role.MARKET_ADMIN)
    assert refused.value.code is ErrorCode.PERMISSION_DENIED
    with pytest.raises(DomainError) as refused:
        require_role(None, Role.COURIER)
    assert refused.value.code is ErrorCode.UNAUTHENTICATED


# --- field permissions in the schema ---------------------------------------------------------------------


@strawberry.type
class _Query:
    @strawberry.field(extensions=[PermissionExtension(permissions=[HasRole(Role.MARKET_ADMIN)])])
    def admin_only(self) -> str:
        return "rahasia"

    @strawberry.field(extensions=[PermissionExtension(permissions=[IsAuthenticated()])])
    def anyone_logged_in(self) -> str:
        return "halo"


_schema = strawberry.Schema(query=_Query)


def _context(settings: Settings, *, token: str | None, language: str = "id") -> Context:
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    request = Request({"type": "http", "method": "POST", "path": "/graphql", "headers": headers, "client": None})
    return Context(request=request, response=None, settings=settings, storage=None, queue=None, language=language)  # type: ignore[arg-type]


async def _ask(settings: Settings, field: str, token: str | None, language: str = "id") -> Any:
    return await _schema.execute(f"{{ {field} }}", context_value=_context(settings, token=token, language=language))


async def test_has_role_lets_the_role_through(settings: Settings) -> None:
    admin = await make_user(Role.MARKET_ADMIN)

    result = await _ask(settings, "adminOnly", token_for(admin, settings))

    assert result.errors is None
    assert result.data == {"adminOnly": "rahasia"}


@pytest.mark.parametrize("role", [Role.BUYER, Role.TRADER, Role.COURIER])
async def test_has_role_refuses_other_roles(settings: Settings, role: Role) -> None:
    user = await make_user(role)

    result = await _ask(settings, "adminOnly", token_for(user, settings), language="en")

    assert result.data is None
    assert result.errors[0].extensions == {"code": "PERMISSION_DENIED"}
    assert result.errors[0].message == "You are not allowed to do this."
    # Logged in is enough for the other field.
    assert (await _ask(settings, "anyoneLoggedIn", token_for(user, settings))).data == {"anyoneLoggedIn": "halo"}


@pytest.mark.parametrize("field", ["adminOnly", "anyoneLoggedIn"])
async def test_field_permissions_name_a_missing_or_broken_login(settings: Settings, field: str) -> None:
    deactivated = await make_user(Role.MARKET_ADMIN, is_active=False)

    anonymous = await _ask(settings, field, None)
    broken = await _ask(settings, field, token_for(deactivated, settings))

    assert anonymous.errors[0].extensions == {"code": "UNAUTHENTICATED"}
    assert anonymous.errors[0].message == "Silakan masuk terlebih dahulu."
    assert broken.errors[0].extensions == {"code": "INVALID_TOKEN"}


# --- accounts are not browsable -----------------------------------------------------------------------------

NODE = "query($id: ID!) { node(id: $id) { __typename ... on User { id phone } } }"


async def test_a_user_node_is_visible_only_to_that_user(gql: GraphQLClient, settings: Settings) -> None:
    me, someone = await make_user(), await make_user()

    own = (await gql(NODE, {"id": user_gid(me)}, token=token_for(me, settings)))["node"]
    other = (await gql(NODE, {"id": user_gid(someone)}, token=token_for(me, settings)))["node"]
    anonymous = (await gql(NODE, {"id": user_gid(someone)}))["node"]

    assert own == {"__typename": "User", "id": user_gid(me), "phone": me.phone}
    assert other is None
    assert anonymous is None
    assert await User.all().count() == 2

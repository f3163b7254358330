"""Accounts: register, log in, refresh, log out, `me`, staff accounts and deactivation."""

from collections.abc import Iterable
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.permission import PermissionExtension

from src.models.accounts import BuyerType, Role, User
from src.schema.context import Info
from src.schema.errors import UserError, payload_mutation
from src.schema.ids import decode_id
from src.schema.lazy import lazy_class
from src.schema.markets import MarketType, StallType
from src.schema.permissions import IsAuthenticated, current_user
from src.services import accounts as accounts_service
from src.services.common import ratelimit
from src.services.common.throttle import LoginThrottle

# Delivery's types show their courier's user: the user's courier profile is a lazy reference back.
LazyCourierProfile = Annotated["CourierProfileType", strawberry.lazy("src.schema.delivery.types")]  # type: ignore[name-defined]  # noqa: F821

RoleEnum = strawberry.enum(Role, name="Role")
BuyerTypeEnum = strawberry.enum(BuyerType, name="BuyerType")


@strawberry.type(name="User", description="Someone who logs in: a buyer, trader, courier or market admin.")
class UserType(relay.Node):
    id: relay.NodeID[int]
    phone: str = strawberry.field(description="E.164, e.g. +6281234567890.")
    name: str
    email: str | None
    role: Role
    buyer_type: BuyerType | None
    business_name: str | None
    is_active: bool
    language: str = strawberry.field(description="id or en: the language of messages sent to this user.")
    market_id: strawberry.Private[int | None]

    @strawberry.field(description="The market a courier or market admin belongs to; null for the trade office.")
    async def market(self, info: Info) -> MarketType | None:
        if self.market_id is None:
            return None
        nodes = await MarketType.resolve_nodes(info=info, node_ids=[str(self.market_id)])
        return nodes[0]  # type: ignore[no-any-return]

    @strawberry.field(description="A trader's stall, whatever its status; null for other roles.")
    async def stall(self, info: Info) -> StallType | None:
        if not accounts_service.has_stall(self.role):
            return None
        stall = await info.context.loaders.stall_by_trader.load(self.id)
        return StallType.from_model(stall) if stall is not None else None

    @strawberry.field(
        description="A courier's profile (vehicle, availability, load); null for other roles.",
        graphql_type=LazyCourierProfile | None,
    )
    async def courier(self, info: Info) -> Any:
        if not accounts_service.has_courier_profile(self.role):
            return None
        user = await info.context.loaders.user_by_id.load(self.id)
        profile = await info.context.loaders.courier_profile_by_user.load(user)
        return lazy_class(LazyCourierProfile).from_model(profile, user)

    @classmethod
    def from_model(cls, user: User) -> "UserType":
        return cls(
            id=user.id,
            phone=user.phone,
            name=user.name,
            email=user.email,
            role=user.role,
            buyer_type=user.buyer_type,
            business_name=user.business_name,
            is_active=user.is_active,
            language=user.language,
            market_id=user.market_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        # Only yourself: other people's accounts are not browsable by id.
        me = await info.context.get_user()
        return [cls.from_model(me) if me is not None and str(me.id) == i else None for i in node_ids]


@strawberry.input
class RegisterInput:
    phone: str
    password: str
    name: str
    role: Role = Role.BUYER
    email: str | None = None
    buyer_type: BuyerType | None = None
    business_name: str | None = None


@strawberry.input
class LoginInput:
    phone: str
    password: str


@strawberry.input
class RefreshTokenInput:
    refresh_token: str


@strawberry.input
class LogoutInput:
    refresh_token: str


@strawberry.input
class CreateStaffUserInput:
    phone: str
    password: str
    name: str
    role: Role
    market_id: relay.GlobalID | None = None


@strawberry.input
class SetUserActiveInput:
    user_id: relay.GlobalID
    active: bool


@strawberry.type
class AuthPayload:
    user: UserType | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RefreshTokenPayload:
    access_token: str | None = None
    refresh_token: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LogoutPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UserPayload:
    user: UserType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _session(session: accounts_service.Session) -> AuthPayload:
    return AuthPayload(
        user=UserType.from_model(session.user),
        access_token=session.tokens.access_token,
        refresh_token=session.tokens.refresh_token,
    )


def _throttle(info: Info) -> LoginThrottle:
    settings = info.context.settings
    return LoginThrottle(
        redis=info.context.queue,
        max_failures=settings.login_max_failures,
        window_seconds=settings.login_lockout_seconds,
    )


@strawberry.type
class AccountsQuery:
    @strawberry.field(
        description="The logged-in user.", extensions=[PermissionExtension(permissions=[IsAuthenticated()])]
    )
    async def me(self, info: Info) -> UserType:
        user = await info.context.get_user()
        assert user is not None  # IsAuthenticated ran first
        return UserType.from_model(user)


@strawberry.type
class AccountsMutation:
    @payload_mutation(description="Sign up as a buyer or a trader; the new user is logged in.")
    async def register(self, info: Info, input: RegisterInput) -> AuthPayload:
        await ratelimit.hit(
            info.context.queue,
            action="register",
            who=info.context.client_address,
            limit=info.context.settings.rate_registrations_per_hour,
            window_seconds=3600,
        )
        session = await accounts_service.register(
            phone=input.phone,
            password=input.password,
            name=input.name,
            role=input.role,
            email=input.email,
            buyer_type=input.buyer_type,
            business_name=input.business_name,
            settings=info.context.settings,
            client_address=info.context.client_address,
            language=info.context.language,  # the language the app asks in is the one we write in
        )
        return _session(session)

    @payload_mutation(description="Log in with phone number and password.")
    async def login(self, info: Info, input: LoginInput) -> AuthPayload:
        await ratelimit.hit(
            info.context.queue,
            action="login",
            who=info.context.client_address,
            limit=info.context.settings.rate_logins_per_minute,
            window_seconds=60,
        )
        session = await accounts_service.login(
            phone=input.phone,
            password=input.password,
            settings=info.context.settings,
            throttle=_throttle(info),
            client_address=info.context.client_address,
        )
        return _session(session)

    @payload_mutation(description="Trade a refresh token for a new access token and refresh token.")
    async def refresh_token(self, info: Info, input: RefreshTokenInput) -> RefreshTokenPayload:
        pair = await accounts_service.refresh(
            refresh_token=input.refresh_token,
            settings=info.context.settings,
            client_address=info.context.client_address,
        )
        return RefreshTokenPayload(access_token=pair.access_token, refresh_token=pair.refresh_token)

    @payload_mutation(description="End the session a refresh token belongs to.")
    async def logout(self, info: Info, input: LogoutInput) -> LogoutPayload:
        await accounts_service.logout(refresh_token=input.refresh_token)
        return LogoutPayload(ok=True)

    @payload_mutation(description="Market admin: add a courier or admin to a market.")
    async def create_staff_user(self, info: Info, input: CreateStaffUserInput) -> UserPayload:
        actor = await current_user(info)
        market_id = decode_id(input.market_id, "Market", field="marketId") if input.market_id else None
        user = await accounts_service.create_staff_user(
            actor=actor,
            phone=input.phone,
            password=input.password,
            name=input.name,
            role=input.role,
            market_id=market_id,
        )
        return UserPayload(user=UserType.from_model(user))

    @payload_mutation(description="Market admin: deactivate or reactivate an account; its sessions end at once.")
    async def set_user_active(self, info: Info, input: SetUserActiveInput) -> UserPayload:
        actor = await current_user(info)
        user = await accounts_service.set_user_active(
            actor=actor, user_id=decode_id(input.user_id, "User", field="userId"), active=input.active
        )
        return UserPayload(user=UserType.from_model(user))

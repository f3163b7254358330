"""Markets and stalls: browsing markets, applying for a stall, reviewing it, opening and closing it."""

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry import relay

from src.models.accounts import Role
from src.models.markets import Market, Stall, StallStatus
from src.schema import hours as hours_types
from src.schema.context import Info
from src.schema.errors import UserError, payload_mutation
from src.schema.habits.types import StallRatingType
from src.schema.ids import db_ids, decode_id
from src.schema.lazy import lazy_class
from src.schema.pagination import after_id, id_page, limit_or_error
from src.schema.payments.types import PaymentSettingsType
from src.schema.permissions import current_user
from src.schema.scalars import Money, decimal_value, money
from src.services import markets as markets_service
from src.services import payments as payments_service
from src.services.common.errors import DomainError

LazyUser = Annotated["UserType", strawberry.lazy("src.schema.accounts")]  # type: ignore[name-defined]  # noqa: F821

StallStatusEnum = strawberry.enum(StallStatus, name="StallStatus")
StallDecisionEnum = strawberry.enum(markets_service.StallDecision, name="StallDecision")


@strawberry.type
class Location:
    lat: float
    lng: float


@strawberry.type(name="Market", description="A traditional market (pasar) of Kota Malang.")
class MarketType(relay.Node):
    id: relay.NodeID[int]
    name: str
    address: str
    location: Location
    opening_hours: str
    delivery_radius_km: Decimal
    base_delivery_fee: Money
    per_km_fee: Money
    schedule: strawberry.Private[Any] = None  # Market.opening_schedule as stored

    @strawberry.field(description="The market's weekly hours (WIB), which its stalls without their own follow.")
    def hours(self) -> list[hours_types.OpeningHoursType]:
        return hours_types.weekly_hours(self.schedule)

    @strawberry.field(description="Dates from today on when the whole market is closed.")
    def closed_dates(self) -> list[date]:
        return hours_types.upcoming(self.schedule, "closed")

    @strawberry.field(description="Public holidays from today on when the market opens by its weekly hours.")
    def open_dates(self) -> list[date]:
        return hours_types.upcoming(self.schedule, "open")

    @strawberry.field(description="Where the market's orders are paid: for its admins (null for others).")
    async def payment_settings(self, info: Info) -> PaymentSettingsType | None:
        row = await info.context.loaders.payment_settings_by_scope.load(payments_service.market_scope(self.id))
        return PaymentSettingsType.from_model(row) if row is not None else None

    @strawberry.field(description="The market's approved stalls, by stall number.")
    async def stalls(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> relay.Connection["StallType"]:
        limit = limit_or_error(info, first)
        rows = await info.context.loaders.stall_page_by_market.load(
            (self.id, after_id(info, after, "Stall"), limit + 1)
        )
        return id_page(rows, limit, StallType.from_model, "Stall", had_cursor=after is not None)

    @classmethod
    def from_model(cls, market: Market) -> "MarketType":
        return cls.from_values(
            id=market.id,
            name=market.name,
            address=market.address,
            latitude=market.latitude,
            longitude=market.longitude,
            opening_hours=market.opening_hours,
            delivery_radius_km=market.delivery_radius_km,
            base_delivery_fee=market.base_delivery_fee,
            per_km_fee=market.per_km_fee,
            schedule=market.opening_schedule,
        )

    @classmethod
    def from_values(
        cls,
        *,
        id: int,
        name: str,
        address: str,
        latitude: Any,
        longitude: Any,
        opening_hours: str,
        delivery_radius_km: Any,
        base_delivery_fee: int,
        per_km_fee: int,
        schedule: Any = None,
    ) -> "MarketType":
        return cls(
            id=id,
            name=name,
            address=address,
            location=Location(lat=float(latitude), lng=float(longitude)),
            opening_hours=opening_hours,
            delivery_radius_km=decimal_value(delivery_radius_km),
            base_delivery_fee=money(base_delivery_fee),
            per_km_fee=money(per_km_fee),
            schedule=schedule,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        markets = await info.context.loaders.market_by_id.load_many(db_ids(node_ids))
        return [cls.from_model(m) if m is not None and m.is_active else None for m in markets]


@strawberry.type(name="Stall", description="A trader's stall (lapak) in a market.")
class StallType(relay.Node):
    id: relay.NodeID[int]
    name: str
    stall_number: str
    description: str
    status: StallStatus
    is_open: bool
    market_id: strawberry.Private[int]
    trader_id: strawberry.Private[int]
    reason: strawberry.Private[str | None]
    market_node: strawberry.Private[MarketType | None] = None
    schedule: strawberry.Private[Any] = None  # Stall.opening_schedule as stored

    @strawberry.field(description="Taking orders now: approved, and open by its hours or by its trader's hand.")
    def open_now(self) -> bool:
        return hours_types.open_now(self.status, self.is_open)

    @strawberry.field(
        description="When the stall, closed now, next opens by its hours (WIB); null while open or without hours.",
        graphql_type=datetime | None,
    )
    def next_opening(self, info: Info) -> Any:
        return self._with_market_schedule(
            info, lambda market: hours_types.next_opening(self.status, self.is_open, self.schedule, market)
        )

    @strawberry.field(
        description="Weekly hours (WIB): the stall's own, or its market's when it has none.",
        graphql_type=list[hours_types.OpeningHoursType],
    )
    def hours(self, info: Info) -> Any:
        return self._with_market_schedule(info, lambda market: hours_types.stall_hours(self.schedule, market))

    @strawberry.field(description="Whether the stall follows its market's weekly hours (it has none of its own).")
    def hours_from_market(self) -> bool:
        return not hours_types.weekly_hours(self.schedule)

    @strawberry.field(description="Dates from today on when the stall is closed (its own and its market's).",
                      graphql_type=list[date])  # fmt: skip
    def closed_dates(self, info: Info) -> Any:
        return self._with_market_schedule(info, lambda market: hours_types.upcoming(self.schedule, "closed", market))

    @strawberry.field(description="Public holidays from today on when the stall opens by its weekly hours.",
                      graphql_type=list[date])  # fmt: skip
    def open_dates(self, info: Info) -> Any:
        return self._with_market_schedule(info, lambda market: hours_types.upcoming(self.schedule, "open", market))

    def _with_market_schedule(self, info: Info, use: Callable[[Any], Any]) -> Any:
        # A plain value when the catalog query already read the market with the stall.
        if self.market_node is not None:
            return use(self.market_node.schedule)
        return self._load_market_schedule(info, use)

    async def _load_market_schedule(self, info: Info, use: Callable[[Any], Any]) -> Any:
        market = await info.context.loaders.market_by_id.load(self.market_id)
        return use(market.opening_schedule if market is not None else None)

    rating_node: strawberry.Private[StallRatingType | None] = None

    @strawberry.field(description="Why the stall was rejected or suspended; its trader and admins only.")
    async def status_reason(self, info: Info) -> str | None:
        viewer = await info.context.get_user()
        stall = Stall(id=self.id, market_id=self.market_id, trader_id=self.trader_id, status_reason=self.reason)
        return markets_service.status_reason_seen(viewer, stall)

    @strawberry.field(
        description="Who runs the stall (who applied for it): for its trader and the market's admins; null for others.",
        graphql_type=LazyUser | None,
    )
    async def trader(self, info: Info) -> Any:
        viewer = await info.context.get_user()
        if not markets_service.sees_trader(
            viewer, Stall(id=self.id, market_id=self.market_id, trader_id=self.trader_id)
        ):
            return None
        user = await info.context.loaders.user_by_id.load(self.trader_id)
        return lazy_class(LazyUser).from_model(user) if user is not None else None

    @strawberry.field(description="The stall's own payment settings: for its trader and the market's admins.")
    async def payment_settings(self, info: Info) -> PaymentSettingsType | None:
        row = await info.context.loaders.payment_settings_by_scope.load(payments_service.stall_scope(self.id))
        return PaymentSettingsType.from_model(row) if row is not None else None

    @strawberry.field(graphql_type=MarketType)
    def market(self, info: Info) -> Any:
        # A plain value when the catalog query already read the market with the stall.
        return self.market_node if self.market_node is not None else self._load_market(info)

    async def _load_market(self, info: Info) -> MarketType:
        return MarketType.from_model(await info.context.loaders.market_by_id.load(self.market_id))

    @strawberry.field(graphql_type=StallRatingType, description="Buyers' stars for its delivered orders.")
    def rating(self, info: Info) -> Any:
        # A plain value when the catalog query already read the rating with the stall.
        return self.rating_node if self.rating_node is not None else self._load_rating(info)

    async def _load_rating(self, info: Info) -> StallRatingType:
        summary = await info.context.loaders.rating_by_stall.load(self.id)
        return StallRatingType.of(summary.count, summary.stars_total)

    @classmethod
    def from_model(cls, stall: Stall) -> "StallType":
        return cls(
            id=stall.id,
            name=stall.name,
            stall_number=stall.stall_number,
            description=stall.description,
            status=stall.status,
            is_open=stall.is_open,
            market_id=stall.market_id,
            trader_id=stall.trader_id,
            reason=stall.status_reason,
            schedule=stall.opening_schedule,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        stalls = await markets_service.visible_stalls(viewer=await info.context.get_user(), ids=db_ids(node_ids))
        return [cls.from_model(s) if s is not None else None for s in stalls]


@strawberry.input
class ApplyForStallInput:
    market_id: relay.GlobalID
    name: str
    stall_number: str
    description: str | None = None


@strawberry.input
class ReviewStallInput:
    stall_id: relay.GlobalID
    decision: markets_service.StallDecision
    reason: str | None = None


@strawberry.input
class SetStallOpenInput:
    open: bool


@strawberry.input
class UpdateMarketInput:
    id: relay.GlobalID
    opening_hours: str | None = None
    delivery_radius_km: Decimal | None = None
    base_delivery_fee: int | None = None
    per_km_fee: int | None = None


@strawberry.type
class StallPayload:
    stall: StallType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MarketPayload:
    market: MarketType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MarketsQuery:
    @strawberry.field(description="The city's markets by name.")
    async def markets(
        self, info: Info, first: int | None = None, after: str | None = None, search: str | None = None
    ) -> relay.Connection[MarketType]:
        limit = limit_or_error(info, first)
        rows = await markets_service.list_markets(
            search=search, after_id=after_id(info, after, "Market"), limit=limit + 1
        )
        return id_page(rows, limit, MarketType.from_model, "Market", had_cursor=after is not None)

    @strawberry.field
    async def market(self, info: Info, id: relay.GlobalID) -> MarketType | None:
        try:
            market_id = decode_id(id, "Market")
        except DomainError:
            return None
        return (await MarketType.resolve_nodes(info=info, node_ids=[str(market_id)]))[0]  # type: ignore[no-any-return]


@strawberry.type
class MarketsMutation:
    @payload_mutation(description="Trader: apply for a stall in a market; its admin reviews the application.")
    async def apply_for_stall(self, info: Info, input: ApplyForStallInput) -> StallPayload:
        stall = await markets_service.apply_for_stall(
            actor=await current_user(info, Role.TRADER),
            market_id=decode_id(input.market_id, "Market", field="marketId"),
            name=input.name,
            stall_number=input.stall_number,
            description=input.description,
        )
        return StallPayload(stall=StallType.from_model(stall))

    @payload_mutation(description="Market admin: approve, reject or suspend a stall of their market.")
    async def review_stall(self, info: Info, input: ReviewStallInput) -> StallPayload:
        stall = await markets_service.review_stall(
            actor=await current_user(info),
            stall_id=decode_id(input.stall_id, "Stall", field="stallId"),
            decision=input.decision,
            reason=input.reason,
        )
        return StallPayload(stall=StallType.from_model(stall))

    @payload_mutation(description="Trader: open the stall for orders, or close it.")
    async def set_stall_open(self, info: Info, input: SetStallOpenInput) -> StallPayload:
        stall = await markets_service.set_stall_open(actor=await current_user(info), open=input.open)
        return StallPayload(stall=StallType.from_model(stall))

    @payload_mutation(description="Market admin: change opening hours, delivery radius and fees.")
    async def update_market(self, info: Info, input: UpdateMarketInput) -> MarketPayload:
        market = await markets_service.update_market(
            actor=await current_user(info),
            market_id=decode_id(input.id, "Market"),
            changes=markets_service.MarketChanges(
                opening_hours=input.opening_hours,
                delivery_radius_km=input.delivery_radius_km,
                base_delivery_fee=input.base_delivery_fee,
                per_km_fee=input.per_km_fee,
            ),
        )
        return MarketPayload(market=MarketType.from_model(market))

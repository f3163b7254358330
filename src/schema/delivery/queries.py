"""Delivery queries: a courier's queue and day, and a market admin's couriers, settlements and waiting orders."""

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry import relay

from src.models.delivery import AssignmentStatus
from src.schema.context import Info
from src.schema.delivery.types import CourierProfileType, CourierSettlement, DeliveryAssignmentType, settlement_of
from src.schema.errors import graphql_error
from src.schema.ids import decode_id
from src.schema.orders.types import OrderType
from src.services import dates
from src.services import delivery as delivery_service
from src.services import orders as orders_service
from src.services.errors import DomainError, DomainErrors

T = TypeVar("T")


def _query_error(info: Info, exc: DomainError | DomainErrors) -> GraphQLError:
    return graphql_error(exc, info.context.language)


def _day(info: Info, value: date) -> date:
    """A query's `date` argument within the bound of every date input (else a GraphQL error)."""
    try:
        return dates.check_date(value, field="date")
    except DomainError as exc:
        raise _query_error(info, exc) from exc


async def _for_market(info: Info, query: Callable[..., Awaitable[T]], market_id: relay.GlobalID, **options: Any) -> T:
    """A market admin's query about one market: the market's id decoded, expected failures as GraphQL errors."""
    try:
        return await query(
            actor=await info.context.get_user(), market_id=decode_id(market_id, "Market", field="marketId"), **options
        )
    except (DomainError, DomainErrors) as exc:
        raise _query_error(info, exc) from exc


@strawberry.type
class DeliveryQuery:
    @strawberry.field(description="Courier: their assignments in working order (live ones unless a status is given).")
    async def my_delivery_queue(
        self, info: Info, status: AssignmentStatus | None = None
    ) -> list[DeliveryAssignmentType]:
        try:
            entries = await delivery_service.delivery_queue(
                actor=await info.context.get_user(), statuses=[status] if status else None
            )
        except DomainError as exc:
            raise _query_error(info, exc) from exc
        return [DeliveryAssignmentType.from_entry(e, info) for e in entries]

    @strawberry.field(description="Courier: their day; market admin: a courier of their market (courierId).")
    async def courier_settlement(
        self, info: Info, date: date, courier_id: relay.GlobalID | None = None
    ) -> CourierSettlement:
        try:
            settlement = await delivery_service.courier_settlement(
                actor=await info.context.get_user(),
                day=_day(info, date),
                courier_id=decode_id(courier_id, "User", field="courierId") if courier_id else None,
            )
        except (DomainError, DomainErrors) as exc:
            raise _query_error(info, exc) from exc
        return await settlement_of(settlement, info)

    @strawberry.field(description="Market admin: every courier of the market for a day.")
    async def market_settlements(self, info: Info, market_id: relay.GlobalID, date: date) -> list[CourierSettlement]:
        settlements = await _for_market(info, delivery_service.market_settlements, market_id, day=_day(info, date))
        return [await settlement_of(s, info) for s in settlements]

    @strawberry.field(description="Market admin: the market's couriers, their availability and load.")
    async def couriers(self, info: Info, market_id: relay.GlobalID) -> list[CourierProfileType]:
        pairs = await _for_market(info, delivery_service.market_couriers, market_id)
        return [CourierProfileType.from_model(profile, user) for user, profile in pairs]

    @strawberry.field(description="Market admin: orders ready for pickup with no courier, to assign by hand.")
    async def orders_awaiting_courier(self, info: Info, market_id: relay.GlobalID) -> list[OrderType]:
        orders = await _for_market(info, delivery_service.waiting_orders, market_id)
        # The service let only this market's admins through, and they see orders whole: no per-order check.
        parts = await orders_service.parts_of([o.id for o in orders])
        return [OrderType.from_model(order, parts.get(order.id, [])) for order in orders]

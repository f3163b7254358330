"""Delivery queries: a courier's queue and day, and a market admin's couriers, settlements and waiting orders."""

import asyncio
from datetime import date

import strawberry
from strawberry import relay

from src.models.delivery import AssignmentStatus
from src.schema.context import Info
from src.schema.delivery.types import CourierProfileType, CourierSettlement, DeliveryAssignmentType, settlement_of
from src.schema.errors import query_errors
from src.schema.ids import decode_id
from src.schema.orders.types import OrderType
from src.services import delivery as delivery_service
from src.services import orders as orders_service
from src.services.common import dates


def _market_id(market_id: relay.GlobalID) -> int:
    return decode_id(market_id, "Market", field="marketId")


@strawberry.type
class DeliveryQuery:
    @strawberry.field(description="Courier: their assignments in working order (live ones unless a status is given).")
    async def my_delivery_queue(
        self, info: Info, status: AssignmentStatus | None = None
    ) -> list[DeliveryAssignmentType]:
        with query_errors(info):
            entries = await delivery_service.delivery_queue(
                actor=await info.context.get_user(), statuses=[status] if status else None
            )
        return [DeliveryAssignmentType.from_entry(e, info) for e in entries]

    @strawberry.field(description="Courier: their day; market admin: a courier of their market (courierId).")
    async def courier_settlement(
        self, info: Info, date: date, courier_id: relay.GlobalID | None = None
    ) -> CourierSettlement:
        with query_errors(info):
            settlement = await delivery_service.courier_settlement(
                actor=await info.context.get_user(),
                day=dates.check_date(date, field="date"),
                courier_id=decode_id(courier_id, "User", field="courierId") if courier_id else None,
            )
        return await settlement_of(settlement, info)

    @strawberry.field(description="Market admin: every courier of the market for a day.")
    async def market_settlements(self, info: Info, market_id: relay.GlobalID, date: date) -> list[CourierSettlement]:
        with query_errors(info):
            day = dates.check_date(date, field="date")
            settlements = await delivery_service.market_settlements(
                actor=await info.context.get_user(), market_id=_market_id(market_id), day=day
            )
        return list(await asyncio.gather(*(settlement_of(s, info) for s in settlements)))  # one batch of loads

    @strawberry.field(description="Market admin: the market's couriers, their availability and load.")
    async def couriers(self, info: Info, market_id: relay.GlobalID) -> list[CourierProfileType]:
        with query_errors(info):
            pairs = await delivery_service.market_couriers(
                actor=await info.context.get_user(), market_id=_market_id(market_id)
            )
        return [CourierProfileType.from_model(profile, user) for user, profile in pairs]

    @strawberry.field(description="Market admin: orders ready for pickup with no courier, to assign by hand.")
    async def orders_awaiting_courier(self, info: Info, market_id: relay.GlobalID) -> list[OrderType]:
        with query_errors(info):
            orders = await delivery_service.waiting_orders(
                actor=await info.context.get_user(), market_id=_market_id(market_id)
            )
        # The service let only this market's admins through, and they see orders whole: no per-order check.
        parts = await orders_service.parts_of([o.id for o in orders])
        return [OrderType.from_model(order, parts.get(order.id, [])) for order in orders]

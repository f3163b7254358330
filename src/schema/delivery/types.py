"""Delivery's types: a courier's profile, an assignment with its pickups, and a courier's day (settlement)."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay

from src.models.accounts import User
from src.models.delivery import AssignmentStatus, CourierProfile, DeliveryAssignment, Vehicle
from src.schema.accounts import UserType
from src.schema.context import Info
from src.schema.ids import visible_nodes
from src.schema.markets import Location, StallType
from src.schema.orders.types import OrderItemType, OrderType
from src.schema.scalars import Money, decimal_value, money
from src.services import delivery as delivery_service
from src.services.notification_texts import reason_text

AssignmentStatusEnum = strawberry.enum(AssignmentStatus, name="AssignmentStatus")
VehicleEnum = strawberry.enum(Vehicle, name="Vehicle")


@strawberry.type(name="CourierProfile", description="A courier as the dispatcher sees them.")
class CourierProfileType:
    vehicle: Vehicle
    available: bool
    location: Location | None = strawberry.field(description="Where they were when they last reported it.")
    located_at: datetime | None
    user_model: strawberry.Private[User]

    @strawberry.field
    def user(self) -> UserType:
        return UserType.from_model(self.user_model)

    @strawberry.field(description="Deliveries offered, accepted or picked up and not yet finished.")
    async def active_deliveries(self, info: Info) -> int:
        return int(await info.context.loaders.live_deliveries_by_courier.load(self.user_model.id))

    @classmethod
    def from_model(cls, profile: CourierProfile, user: User) -> "CourierProfileType":
        located = profile.latitude is not None and profile.longitude is not None
        return cls(
            vehicle=profile.vehicle,
            available=profile.available,
            location=Location(lat=float(profile.latitude), lng=float(profile.longitude)) if located else None,  # type: ignore[arg-type]
            located_at=profile.located_at,
            user_model=user,
        )


@strawberry.type
class CourierContact:
    name: str
    phone: str


@strawberry.type(description="One stall's part to fetch from the market.")
class Pickup:
    stall: StallType
    ready: bool = strawberry.field(description="The trader has packed it (markStallOrderReady).")
    items: list[OrderItemType]


@strawberry.type(name="DeliveryAssignment", description="An order given to a courier.")
class DeliveryAssignmentType(relay.Node):
    id: relay.NodeID[int]
    status: AssignmentStatus
    offered_at: datetime
    expires_at: datetime | None = strawberry.field(description="An offer passes on after this moment.")
    accepted_at: datetime | None
    picked_up_at: datetime | None
    delivered_at: datetime | None
    reason: str | None = strawberry.field(description="Why it was declined, failed or withdrawn.")
    cod_to_collect: Money = strawberry.field(description="Cash to collect at the door (0 when paid).")
    cod_collected: Money | None
    cod_difference: Money = strawberry.field(description="Collected minus due; not 0 is flagged.")
    cod_mismatch: bool
    cash_remitted_at: datetime | None
    distance_km: Decimal = strawberry.field(description="From the market to the address.")
    leg_km: Decimal | None = strawberry.field(
        description="In the queue: from the previous stop (the market for a slot's first)."
    )
    entry: strawberry.Private[delivery_service.QueueEntry]

    @strawberry.field(description="Its order; its courier sees the buyer's address and phone until a while after.")
    async def order(self, info: Info) -> OrderType:
        viewer = await info.context.get_user()
        return OrderType.from_view(delivery_service.order_view(viewer, self.entry, info.context.settings))

    @strawberry.field(
        description="The handover photo (the buyer's door): a 15-minute signed link; its courier's only while "
        "they see the buyer's address."
    )
    async def proof_photo_url(self, info: Info) -> str | None:
        viewer = await info.context.get_user()
        return delivery_service.proof_url_seen(viewer, self.entry, info.context.storage, info.context.settings)

    @strawberry.field(description="What to fetch, stall by stall.")
    def pickups(self) -> list[Pickup]:
        return [
            Pickup(
                stall=StallType.from_model(p.part.stall),
                ready=p.ready,
                items=[OrderItemType.from_model(i) for i in p.items],
            )
            for p in self.entry.pickups
        ]

    @strawberry.field
    async def courier(self, info: Info) -> CourierContact:
        user = await info.context.loaders.user_by_id.load(self.entry.assignment.courier_id)
        return CourierContact(name=user.name, phone=user.phone)

    @classmethod
    def from_entry(cls, entry: delivery_service.QueueEntry, info: Info) -> "DeliveryAssignmentType":
        a = entry.assignment
        return cls(
            id=a.id,
            status=a.status,
            offered_at=a.offered_at,
            expires_at=delivery_service.offer_expiry(a),
            accepted_at=a.accepted_at,
            picked_up_at=a.picked_up_at,
            delivered_at=a.delivered_at,
            reason=reason_text(a.reason, info.context.language) if a.reason else None,  # REASSIGNED: in words
            cod_to_collect=money(a.cod_expected),
            cod_collected=money(a.cod_collected) if a.cod_collected is not None else None,
            cod_difference=money(a.cod_difference),
            cod_mismatch=a.cod_difference != 0,
            cash_remitted_at=a.cash_remitted_at,
            distance_km=decimal_value(entry.order.distance_km),
            leg_km=entry.leg_km,
            entry=entry,
        )

    @classmethod
    async def from_model(cls, assignment: DeliveryAssignment, info: Info) -> "DeliveryAssignmentType":
        return cls.from_entry(await info.context.loaders.entry_by_assignment.load(assignment), info)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await visible_nodes(
            info, node_ids, delivery_service.visible_assignment, lambda found: cls.from_model(found, info)
        )


@strawberry.type(description="A courier's day: deliveries and the cash on delivery.")
class CourierSettlement:
    date: date
    courier: CourierContact
    deliveries: list[DeliveryAssignmentType]
    delivery_count: int
    cod_expected: Money
    cod_collected: Money
    difference: Money = strawberry.field(description="Collected minus expected.")
    remitted: bool = strawberry.field(description="All collected cash has been handed to the market admin.")
    cod_owed: Money = strawberry.field(
        description="Cash on delivery the courier holds for the market now, every day's: collected minus handed over."
    )


async def settlement_of(settlement: delivery_service.Settlement, info: Info) -> CourierSettlement:
    entries = await info.context.loaders.entry_by_assignment.load_many(list(settlement.deliveries))
    return CourierSettlement(
        date=settlement.day,
        courier=CourierContact(name=settlement.courier.name, phone=settlement.courier.phone),
        deliveries=[DeliveryAssignmentType.from_entry(e, info) for e in entries],
        delivery_count=len(settlement.deliveries),
        cod_expected=money(settlement.cod_expected),
        cod_collected=money(settlement.cod_collected),
        difference=money(settlement.difference),
        remitted=settlement.remitted,
        cod_owed=money(settlement.cod_owed),
    )

"""Couriers and delivery: availability, assignment, the courier's queue, pickup and proof of delivery,
cash-on-delivery settlement, and the live subscriptions for orders and queues."""

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

import strawberry
from graphql import GraphQLError
from starlette.datastructures import UploadFile
from strawberry import relay
from strawberry.file_uploads import Upload

from src.models.accounts import Role, User
from src.models.delivery import AssignmentStatus, CourierProfile, DeliveryAssignment, Vehicle
from src.models.orders import Order
from src.schema.accounts import UserType
from src.schema.context import CLOSE_FORBIDDEN, Info, SubscriberRefused
from src.schema.errors import UserError, graphql_error, mutation_payload
from src.schema.ids import decode_id, visible_nodes
from src.schema.markets import Location, StallType
from src.schema.orders import LocationInput, OrderItemType, OrderType
from src.schema.permissions import current_user
from src.schema.scalars import Money, decimal_value, money
from src.services import dates, live, tokens
from src.services import delivery as delivery_service
from src.services import notifications as notifications_service
from src.services import orders as orders_service
from src.services import queue as queue_service
from src.services.errors import DomainError, DomainErrors, ErrorCode
from src.services.notification_texts import reason_text

log = logging.getLogger(__name__)

T = TypeVar("T")

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
        if not delivery_service.order_view(viewer, self.entry, info.context.settings).contact:
            return None
        return delivery_service.proof_url(self.entry.assignment, info.context.storage)

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
    async def courier(self) -> CourierContact:
        user = await User.get(id=self.entry.assignment.courier_id)
        return CourierContact(name=user.name, phone=user.phone)

    @classmethod
    def from_entry(cls, entry: delivery_service.QueueEntry, info: Info) -> "DeliveryAssignmentType":
        a = entry.assignment
        return cls(
            id=a.id,
            status=a.status,
            offered_at=a.offered_at,
            expires_at=a.expires_at if a.status == AssignmentStatus.OFFERED else None,
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
        return cls.from_entry(await delivery_service.entry_for(assignment), info)

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


async def _settlement(settlement: delivery_service.Settlement, info: Info) -> CourierSettlement:
    orders = {o.id: o for o in await Order.filter(id__in=[d.order_id for d in settlement.deliveries] or [0])}
    entries = [delivery_service.QueueEntry(d, orders[d.order_id]) for d in settlement.deliveries]
    await delivery_service.attach_pickups(entries)
    return CourierSettlement(
        date=settlement.day,
        courier=CourierContact(name=settlement.courier.name, phone=settlement.courier.phone),
        deliveries=[DeliveryAssignmentType.from_entry(e, info) for e in entries],
        delivery_count=len(settlement.deliveries),
        cod_expected=money(settlement.cod_expected),
        cod_collected=money(settlement.cod_collected),
        difference=money(settlement.difference),
        remitted=settlement.remitted,
    )


# ---------------------------------------------------------------------------------------------- inputs


@strawberry.input
class SetCourierAvailabilityInput:
    available: bool
    location: LocationInput | None = None
    vehicle: Vehicle | None = None


@strawberry.input
class AssignCourierInput:
    order_id: relay.GlobalID
    courier_id: relay.GlobalID = strawberry.field(description="The courier's User id.")


@strawberry.input
class AssignmentInput:
    assignment_id: relay.GlobalID


@strawberry.input
class AssignmentReasonInput:
    assignment_id: relay.GlobalID
    reason: str


@strawberry.input
class MarkDeliveredInput:
    assignment_id: relay.GlobalID
    cod_collected: int | None = strawberry.field(default=None, description="Rupiah collected (COD orders).")
    proof_photo: Upload | None = strawberry.field(default=None, description="Photo of the handover (multipart).")


@strawberry.input
class MarkCashRemittedInput:
    courier_id: relay.GlobalID
    date: date


@strawberry.type
class CourierPayload:
    courier: CourierProfileType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AssignmentPayload:
    assignment: DeliveryAssignmentType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SettlementPayload:
    settlement: CourierSettlement | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


# ---------------------------------------------------------------------------------------------- helpers


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


async def _assignment_result(info: Info, assignment: DeliveryAssignment) -> dict[str, Any]:
    await notifications_service.hand_over_written(info.context.queue)  # committed: tell people now
    fresh = await DeliveryAssignment.get(id=assignment.id)
    return {"assignment": await DeliveryAssignmentType.from_model(fresh, info)}


async def _assignment_change(
    info: Info, change: Callable[..., Awaitable[Any]], assignment_id: relay.GlobalID, **options: Any
) -> AssignmentPayload:
    async def work() -> dict[str, Any]:
        result = await change(
            actor=await current_user(info),
            assignment_id=decode_id(assignment_id, "DeliveryAssignment", field="assignmentId"),
            **options,
        )
        return await _assignment_result(info, result[0] if isinstance(result, tuple) else result)

    return await mutation_payload(info, AssignmentPayload, work())


async def _offer_waiting(info: Info, courier: User, order_ids: list[int]) -> None:
    """A courier became available: the market's waiting orders are offered again (keyed jobs)."""
    for order_id in order_ids:
        try:
            await queue_service.enqueue(
                info.context.queue, "assign_courier", order_id, job_id=f"assign:{order_id}:courier:{courier.id}"
            )
        except DomainError:
            log.warning("waiting orders not offered now (Redis down); the market admin still sees them")
            return


# ---------------------------------------------------------------------------------------------- operations


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
        return await _settlement(settlement, info)

    @strawberry.field(description="Market admin: every courier of the market for a day.")
    async def market_settlements(self, info: Info, market_id: relay.GlobalID, date: date) -> list[CourierSettlement]:
        settlements = await _for_market(info, delivery_service.market_settlements, market_id, day=_day(info, date))
        return [await _settlement(s, info) for s in settlements]

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


@strawberry.type
class DeliveryMutation:
    @strawberry.mutation(description="Courier: start or stop taking orders, with where they are now.")
    async def set_courier_availability(self, info: Info, input: SetCourierAvailabilityInput) -> CourierPayload:
        async def work() -> dict[str, Any]:
            courier = await current_user(info, Role.COURIER)
            profile, waiting = await delivery_service.set_availability(
                actor=courier,
                available=input.available,
                lat=input.location.lat if input.location else None,
                lng=input.location.lng if input.location else None,
                vehicle=input.vehicle,
            )
            await _offer_waiting(info, courier, waiting)
            return {"courier": CourierProfileType.from_model(profile, courier)}

        return await mutation_payload(info, CourierPayload, work())

    @strawberry.mutation(description="Market admin: give an order to a courier of its market (or another one).")
    async def assign_courier(self, info: Info, input: AssignCourierInput) -> AssignmentPayload:
        async def work() -> dict[str, Any]:
            assignment = await delivery_service.assign_manually(
                actor=await current_user(info),
                order_id=decode_id(input.order_id, "Order", field="orderId"),
                courier_id=decode_id(input.courier_id, "User", field="courierId"),
            )
            return await _assignment_result(info, assignment)

        return await mutation_payload(info, AssignmentPayload, work())

    @strawberry.mutation(description="Courier: take an offered delivery.")
    async def accept_delivery(self, info: Info, input: AssignmentInput) -> AssignmentPayload:
        return await _assignment_change(info, delivery_service.accept, input.assignment_id)

    @strawberry.mutation(description="Courier: refuse an offer (or hand back before pickup); it passes on at once.")
    async def decline_delivery(self, info: Info, input: AssignmentReasonInput) -> AssignmentPayload:
        return await _assignment_change(
            info, delivery_service.decline, input.assignment_id, reason=input.reason, settings=info.context.settings
        )

    @strawberry.mutation(description="Courier: every part is collected; the order is out for delivery.")
    async def mark_picked_up(self, info: Info, input: AssignmentInput) -> AssignmentPayload:
        return await _assignment_change(info, delivery_service.mark_picked_up, input.assignment_id)

    @strawberry.mutation(description="Courier: handed over, with a photo and, for COD, the cash collected.")
    async def mark_delivered(self, info: Info, input: MarkDeliveredInput) -> AssignmentPayload:
        photo: bytes | None = None
        if input.proof_photo is not None:
            file: UploadFile = input.proof_photo  # type: ignore[assignment]  # Starlette's upload behind the scalar
            try:
                photo = await file.read(info.context.settings.max_photo_bytes + 1)
            finally:
                await file.close()
        return await _assignment_change(
            info,
            delivery_service.mark_delivered,
            input.assignment_id,
            cod_collected=input.cod_collected,
            proof_photo=photo,
            storage=info.context.storage,
            settings=info.context.settings,
        )

    @strawberry.mutation(description="Courier: could not deliver; the goods go back to the market.")
    async def mark_delivery_failed(self, info: Info, input: AssignmentReasonInput) -> AssignmentPayload:
        return await _assignment_change(info, delivery_service.mark_failed, input.assignment_id, reason=input.reason)

    @strawberry.mutation(description="Market admin: a courier handed over the day's cash on delivery.")
    async def mark_cash_remitted(self, info: Info, input: MarkCashRemittedInput) -> SettlementPayload:
        async def work() -> dict[str, Any]:
            settlement = await delivery_service.mark_cash_remitted(
                actor=await current_user(info),
                courier_id=decode_id(input.courier_id, "User", field="courierId"),
                day=dates.check_date(input.date, field="date"),
            )
            return {"settlement": await _settlement(settlement, info)}

        return await mutation_payload(info, SettlementPayload, work())


# ---------------------------------------------------------------------------------------------- subscriptions


def _hub(info: Info) -> live.LiveHub:
    if info.context.live is None:
        raise GraphQLError("Live updates are not available here.")
    return info.context.live


def _subscription_error(info: Info, code: ErrorCode) -> GraphQLError:
    return graphql_error(DomainError(code), info.context.language)


async def _close(info: Info, code: int) -> NoReturn:
    """End the subscription's socket with a close code (over HTTP, the stream with an error)."""
    try:
        await info.context.close_socket(code)
    except SubscriberRefused as exc:
        raise _subscription_error(info, exc.code) from exc


async def _checked_updates(info: Info, viewer: User, channel: str) -> AsyncIterator[tuple[User, bool]]:
    """After a subscription's first result: its user, checked again as every HTTP request's is, on each
    change signalled on `channel` or on the user's own channel (True), and, so that a silent socket ends too,
    as the token expires and at least every SUBSCRIPTION_RECHECK_SECONDS (False). A refused user's socket
    is closed (4401, 4403)."""
    context = info.context
    try:
        refused_from = tokens.access_token_refused_from(context.bearer_token() or "", context.settings)
    except DomainError:
        refused_from = datetime.now(UTC)  # expired since it was checked: checked again (and closed) at once
    every = context.settings.subscription_recheck_seconds

    def idle() -> float:
        return max(0.0, min(every, (refused_from - datetime.now(UTC)).total_seconds() + 0.05))

    async for changed in _hub(info).listen(channel, live.user_channel(viewer.id), idle=idle):
        try:
            viewer = await context.recheck_subscriber()
        except SubscriberRefused as exc:
            raise _subscription_error(info, exc.code) from exc
        context.fresh_loaders()
        yield viewer, changed


@strawberry.type
class DeliverySubscription:
    @strawberry.subscription(description="An order each time it changes (first as it is now), for whoever may see it.")
    async def order_updated(self, info: Info, order_id: relay.GlobalID) -> AsyncGenerator[OrderType, None]:
        viewer = await info.context.get_user()
        if viewer is None:
            raise _subscription_error(info, info.context.auth_error or ErrorCode.UNAUTHENTICATED)
        try:
            key = decode_id(order_id, "Order", field="orderId")
        except DomainError as exc:
            raise _query_error(info, exc) from exc
        found = await orders_service.get_order(actor=viewer, order_id=key, settings=info.context.settings)
        if found is None:
            raise _subscription_error(info, ErrorCode.NOT_FOUND)
        yield OrderType.from_model(*found)
        async for checked, changed in _checked_updates(info, viewer, live.order_channel(key)):
            found = await orders_service.get_order(actor=checked, order_id=key, settings=info.context.settings)
            if found is None:  # no longer theirs to see (a courier's offer passed on): nothing more is sent
                await _close(info, CLOSE_FORBIDDEN)
            if changed:
                yield OrderType.from_model(*found)

    @strawberry.subscription(description="Courier: their queue each time it changes (first as it is now).")
    async def delivery_queue_updated(self, info: Info) -> AsyncGenerator[list[DeliveryAssignmentType], None]:
        viewer = await info.context.get_user()
        try:
            entries = await delivery_service.delivery_queue(actor=viewer)
        except DomainError as exc:
            raise _query_error(info, exc) from exc
        assert viewer is not None
        yield [DeliveryAssignmentType.from_entry(e, info) for e in entries]
        async for checked, changed in _checked_updates(info, viewer, live.courier_channel(viewer.id)):
            try:
                entries = await delivery_service.delivery_queue(actor=checked)
            except DomainError:
                await _close(info, CLOSE_FORBIDDEN)
            if changed:
                yield [DeliveryAssignmentType.from_entry(e, info) for e in entries]

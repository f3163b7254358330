"""Delivery mutations: a courier's availability and steps, assigning by hand, and remitting the day's cash."""

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from src.models.accounts import Role
from src.models.delivery import DeliveryAssignment, Vehicle
from src.schema.context import Info
from src.schema.delivery.types import CourierProfileType, CourierSettlement, DeliveryAssignmentType, settlement_of
from src.schema.errors import UserError, payload_mutation
from src.schema.ids import decode_id
from src.schema.orders.inputs import LocationInput
from src.schema.permissions import current_user
from src.schema.uploads import read_upload
from src.services import delivery as delivery_service
from src.services.common import dates


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


async def _assignment_result(info: Info, assignment: DeliveryAssignment) -> AssignmentPayload:
    entry = await delivery_service.current_entry(assignment_id=assignment.id)
    return AssignmentPayload(assignment=DeliveryAssignmentType.from_entry(entry, info))


async def _assignment_change(
    info: Info, change: Callable[..., Awaitable[Any]], assignment_id: relay.GlobalID, **options: Any
) -> AssignmentPayload:
    """A courier's step on one of their assignments, answered with the assignment."""
    result = await change(
        actor=await current_user(info),
        assignment_id=decode_id(assignment_id, "DeliveryAssignment", field="assignmentId"),
        **options,
    )
    return await _assignment_result(info, result[0] if isinstance(result, tuple) else result)


@strawberry.type
class DeliveryMutation:
    @payload_mutation(description="Courier: start or stop taking orders, with where they are now.")
    async def set_courier_availability(self, info: Info, input: SetCourierAvailabilityInput) -> CourierPayload:
        courier = await current_user(info, Role.COURIER)
        profile = await delivery_service.update_availability(
            actor=courier,
            available=input.available,
            lat=input.location.lat if input.location else None,
            lng=input.location.lng if input.location else None,
            vehicle=input.vehicle,
            queue=info.context.queue,
        )
        return CourierPayload(courier=CourierProfileType.from_model(profile, courier))

    @payload_mutation(description="Market admin: give an order to a courier of its market (or another one).")
    async def assign_courier(self, info: Info, input: AssignCourierInput) -> AssignmentPayload:
        assignment = await delivery_service.assign_manually(
            actor=await current_user(info),
            order_id=decode_id(input.order_id, "Order", field="orderId"),
            courier_id=decode_id(input.courier_id, "User", field="courierId"),
        )
        return await _assignment_result(info, assignment)

    @payload_mutation(description="Courier: take an offered delivery.")
    async def accept_delivery(self, info: Info, input: AssignmentInput) -> AssignmentPayload:
        return await _assignment_change(info, delivery_service.accept, input.assignment_id)

    @payload_mutation(description="Courier: refuse an offer (or hand back before pickup); it passes on at once.")
    async def decline_delivery(self, info: Info, input: AssignmentReasonInput) -> AssignmentPayload:
        return await _assignment_change(
            info, delivery_service.decline, input.assignment_id, reason=input.reason, settings=info.context.settings
        )

    @payload_mutation(description="Courier: every part is collected; the order is out for delivery.")
    async def mark_picked_up(self, info: Info, input: AssignmentInput) -> AssignmentPayload:
        return await _assignment_change(info, delivery_service.mark_picked_up, input.assignment_id)

    @payload_mutation(description="Courier: handed over, with a photo and, for COD, the cash collected.")
    async def mark_delivered(self, info: Info, input: MarkDeliveredInput) -> AssignmentPayload:
        photo = None if input.proof_photo is None else await read_upload(info, input.proof_photo)
        return await _assignment_change(
            info,
            delivery_service.mark_delivered,
            input.assignment_id,
            cod_collected=input.cod_collected,
            proof_photo=photo,
            storage=info.context.storage,
            settings=info.context.settings,
        )

    @payload_mutation(description="Courier: could not deliver; the goods go back to the market.")
    async def mark_delivery_failed(self, info: Info, input: AssignmentReasonInput) -> AssignmentPayload:
        return await _assignment_change(info, delivery_service.mark_failed, input.assignment_id, reason=input.reason)

    @payload_mutation(description="Market admin: a courier handed over the day's cash on delivery.")
    async def mark_cash_remitted(self, info: Info, input: MarkCashRemittedInput) -> SettlementPayload:
        settlement = await delivery_service.mark_cash_remitted(
            actor=await current_user(info),
            courier_id=decode_id(input.courier_id, "User", field="courierId"),
            day=dates.check_date(input.date, field="date"),
        )
        return SettlementPayload(settlement=await settlement_of(settlement, info))

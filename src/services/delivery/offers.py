"""Offers and assignments: the next courier for a ready order, offers expiring, the admin assigning by hand.

An order is offered to a courier when it becomes READY_FOR_PICKUP (the goods are packed, so a courier
never waits at a stall, and an order cancelled or shrunk before then never ties a courier up). The offer
goes to an available courier of the market with the fewest live deliveries, the nearest to the market on
a tie. An offer not accepted in time, or declined, passes to the next courier who has not had it.
With nobody left the order waits, visible to the market admin, who can always assign by hand.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.delivery import AssignmentStatus, CourierProfile, DeliveryAssignment
from src.models.orders import OrderStatus, PaymentMethod, PaymentStatus
from src.services import markets as markets_service
from src.services import orders as orders_service
from src.services import payments
from src.services.assignments.states import A, move, touch
from src.services.common import outbox
from src.services.common.errors import DomainError, ErrorCode, invalid
from src.services.common.money import distance_km
from src.services.delivery.couriers import live_counts
from src.services.orders.reading import order_or_none
from src.services.orders.states import lock_order, lock_order_or_none, order_state_error
from src.services.permissions import Action, authorize
from src.settings import Settings

if TYPE_CHECKING:
    from src.models.markets import Market
    from src.models.orders import Order


async def _choose_courier(order: Order, market: Market) -> User | None:
    """The available courier of the market with the fewest live deliveries, nearest to the market on a tie,
    who has not yet declined or let pass an offer of this order."""
    had_it = await DeliveryAssignment.filter(order_id=order.id).values_list("courier_id", flat=True)
    couriers = await User.filter(
        role=Role.COURIER, market_id=order.market_id, is_active=True, courier_profile__available=True
    ).exclude(id__in=list(had_it) or [0])
    if not couriers:
        return None
    profiles = {p.user_id: p for p in await CourierProfile.filter(user_id__in=[c.id for c in couriers])}
    counts = await live_counts(c.id for c in couriers)
    home = (float(market.latitude), float(market.longitude))

    def rank(courier: User) -> tuple[int, Decimal, int]:
        profile = profiles.get(courier.id)
        if profile is None or profile.latitude is None or profile.longitude is None:
            far = Decimal("1e6")  # no location yet: after everyone who shared theirs
        else:
            far = distance_km(*home, float(profile.latitude), float(profile.longitude))
        return counts.get(courier.id, 0), far, courier.id

    return min(couriers, key=rank)


async def offer(order: Order, settings: Settings) -> DeliveryAssignment | None:
    """Inside the order's lock: offer it to the next courier, or record that nobody is left."""
    market = await markets_service.market_by_id(order.market_id)
    courier = await _choose_courier(order, market)
    if courier is None:
        await orders_service.record_event(order, "NO_COURIER", None)
        return None
    assignment = await _new_assignment(
        order, courier, A.OFFERED, expires_at=now() + timedelta(seconds=settings.delivery_offer_seconds)
    )
    await _delivery_event(assignment, "offered", order)
    return assignment


async def _new_assignment(order: Order, courier: User, status: AssignmentStatus, **fields: Any) -> DeliveryAssignment:
    """A live assignment of the order (holding its unique live slot) with the cash to collect at the door."""
    return await DeliveryAssignment.create(
        order_id=order.id,
        courier_id=courier.id,
        market_id=order.market_id,
        status=status,
        live_order_id=order.id,
        cod_expected=await _cod_expected(order),
        **fields,
    )


async def _cod_expected(order: Order) -> int:
    """The cash to take at the door: a COD order's amount due, rounded to the smallest coin."""
    if order.payment_method != PaymentMethod.COD or order.payment_status != PaymentStatus.UNPAID:
        return 0
    payment = await payments.payment_of(order.id)
    return payment.amount_due if payment is not None else order.total


async def _has_live(order_id: int) -> bool:
    return await DeliveryAssignment.filter(live_order_id=order_id).exists()


async def offer_order(*, order_id: int, settings: Settings) -> DeliveryAssignment | None:
    """The assignment job: offer a ready order with no live assignment to a courier. Runs any number of
    times: under the order's lock, an order that has one (or is no longer ready) is left alone."""
    async with in_transaction():
        order = await lock_order_or_none(order_id)
        if order is None or order.status != OrderStatus.READY_FOR_PICKUP or await _has_live(order.id):
            return None
        return await offer(order, settings)


async def expire_offer(*, assignment_id: int, settings: Settings) -> DeliveryAssignment | None:
    """An offer's time ran out: it passes to the next courier. A no-op once accepted, declined or gone."""
    assignment = await DeliveryAssignment.get_or_none(id=assignment_id)
    if assignment is None:
        return None
    async with in_transaction():
        order = await lock_order(assignment.order_id)
        assignment = await DeliveryAssignment.select_for_update().get(id=assignment_id)
        if assignment.status != A.OFFERED or assignment.expires_at is None or assignment.expires_at > now():
            return None
        move(assignment, A.EXPIRED)
        await assignment.save()
        touch(assignment)
        if order.status != OrderStatus.READY_FOR_PICKUP:
            return None
        return await offer(order, settings)


async def expired_offer_ids(*, grace: timedelta, limit: int = 200) -> list[int]:
    """Offers past their time by more than the grace (their deferred job was lost): for the sweep."""
    rows = (
        await DeliveryAssignment.filter(status=A.OFFERED, expires_at__lt=now() - grace)
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [int(i) for i in rows]  # type: ignore[call-overload]


async def assign_manually(*, actor: User | None, order_id: int, courier_id: int) -> DeliveryAssignment:
    """Market admin: give an order to a courier of its market (accepted at once: the admin has arranged
    it). A live assignment to someone else is withdrawn, unless the goods are already on their way."""
    order = await order_or_none(order_id)
    if order is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="orderId")
    authorize(actor, Action.ADMINISTER, order)
    courier = await User.get_or_none(id=courier_id, role=Role.COURIER)
    if courier is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="courierId")
    if courier.market_id != order.market_id:
        raise DomainError(ErrorCode.DIFFERENT_MARKET, field="courierId", message_key="COURIER_OTHER_MARKET")
    if not courier.is_active:
        raise invalid("courierId", "COURIER_INACTIVE")
    async with in_transaction():
        order = await lock_order(order.id)
        if order.status not in (OrderStatus.PLACED, OrderStatus.PROCESSING, OrderStatus.READY_FOR_PICKUP):
            raise order_state_error(order)
        current = await DeliveryAssignment.select_for_update().get_or_none(live_order_id=order.id)
        if current is not None:
            if current.courier_id == courier.id and current.status != A.OFFERED:
                return current
            move(current, A.WITHDRAWN)  # INVALID_STATE once picked up: the goods are with that courier
            current.reason = "REASSIGNED"
            await current.save()
            touch(current)
        assignment = await _new_assignment(
            order, courier, A.ACCEPTED, assigned_by_id=actor.id if actor else None, accepted_at=now()
        )
        await orders_service.record_event(order, "COURIER_ASSIGNED", actor, courier.name, extra=courier_extra(courier))
        await _delivery_event(assignment, "assigned", order)
        touch(assignment)
    return assignment


def courier_extra(courier: User) -> dict[str, Any]:
    """Who carries the order, as its events tell the buyer."""
    return {"courier_id": courier.id, "courier_name": courier.name, "courier_phone": courier.phone}


async def _delivery_event(assignment: DeliveryAssignment, kind: str, order: Order) -> None:
    """An outbox event for the courier (offers and manual assignments): a notification and, for an
    offer, the deferred job that passes it on when it is not accepted in time."""
    event_id = await outbox.write(
        f"delivery.{kind}",
        {
            "order_id": order.id,
            "assignment_id": assignment.id,
            "courier_id": assignment.courier_id,
            "expires_at": assignment.expires_at.isoformat() if assignment.expires_at else None,
            "offer_seconds": (assignment.expires_at - now()).total_seconds() if assignment.expires_at else None,
            "cod": assignment.cod_expected,
            "order": await orders_service.snapshot(order),
        },
    )
    outbox.note(event_id)
    touch(assignment)

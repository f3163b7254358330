"""The courier's queue: their assignments with what to fetch where, in slot order along a nearest-next route."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from src.models.accounts import User
from src.models.delivery import AssignmentStatus, DeliveryAssignment
from src.models.orders import SlotWindow, StallOrderStatus
from src.services import markets as markets_service
from src.services.assignments.states import LIVE
from src.services.common.money import distance_km
from src.services.delivery.couriers import require_courier
from src.services.orders.reading import live_parts_with_items, order_by_id, orders_by_ids

if TYPE_CHECKING:
    from src.models.orders import Order, OrderItem, StallOrder

WINDOW_ORDER = {SlotWindow.MORNING: 0, SlotWindow.MIDDAY: 1, SlotWindow.AFTERNOON: 2}


@dataclass
class Pickup:
    """One stall's part to fetch: the stall (loaded), whether its trader marked it ready, its items."""

    part: StallOrder
    items: list[OrderItem]

    @property
    def ready(self) -> bool:
        return self.part.status == StallOrderStatus.READY


@dataclass
class QueueEntry:
    assignment: DeliveryAssignment
    order: Order
    pickups: list[Pickup] = field(default_factory=list)
    leg_km: Decimal | None = None  # from the previous stop (the market for the first of a slot)


async def entry_for(assignment: DeliveryAssignment) -> QueueEntry:
    """One assignment with its order and pickups, as the queue shows it."""
    entry = QueueEntry(assignment, await order_by_id(assignment.order_id))
    await attach_pickups([entry])
    return entry


async def entries_for(assignments: list[DeliveryAssignment]) -> list[QueueEntry]:
    """entry_for for many assignments, in three queries whatever their number."""
    orders = {o.id: o for o in await orders_by_ids(sorted({a.order_id for a in assignments}))} if assignments else {}
    entries = [QueueEntry(a, orders[a.order_id]) for a in assignments]
    await attach_pickups(entries)
    return entries


async def delivery_queue(*, actor: User | None, statuses: list[AssignmentStatus] | None = None) -> list[QueueEntry]:
    """The courier's assignments in the order they work them: by slot, then a nearest-neighbour route from
    the market. Five queries whatever the queue's length (the orders through the orders domain)."""
    courier = require_courier(actor)
    wanted = statuses or sorted(LIVE)
    entries = await entries_for(await DeliveryAssignment.filter(courier_id=courier.id, status__in=wanted))
    market = await markets_service.market_by_id(courier.market_id)
    return route(entries, (float(market.latitude), float(market.longitude)))


async def attach_pickups(entries: list[QueueEntry]) -> None:
    """Each entry's pickups (stall, readiness, items), in two queries for any number of entries."""
    order_ids = [e.order.id for e in entries]
    if not order_ids:
        return
    parts, items = await live_parts_with_items(order_ids)
    by_part: dict[int, list[OrderItem]] = {}
    for item in items:
        by_part.setdefault(item.stall_order_id, []).append(item)
    by_order: dict[int, list[Pickup]] = {}
    for part in parts:
        by_order.setdefault(part.order_id, []).append(Pickup(part, by_part.get(part.id, [])))
    for entry in entries:
        entry.pickups = by_order.get(entry.order.id, [])


def _leg(here: tuple[float, float], order: Order) -> Decimal:
    return distance_km(*here, float(order.latitude), float(order.longitude))


def route(entries: list[QueueEntry], start: tuple[float, float]) -> list[QueueEntry]:
    """Slot by slot (date, then window); within a slot, always the nearest next address from the market."""
    slots: dict[tuple[date, int], list[QueueEntry]] = {}
    for entry in entries:
        slots.setdefault((entry.order.slot_date, WINDOW_ORDER[entry.order.slot_window]), []).append(entry)
    ordered: list[QueueEntry] = []
    for key in sorted(slots):
        left = sorted(slots[key], key=lambda e: e.assignment.id)
        here = start
        while left:
            legs = [
                (distance_km(*here, float(e.order.latitude), float(e.order.longitude)), i) for i, e in enumerate(left)
            ]
            leg, index = min(legs)
            entry = left.pop(index)
            entry.leg_km = leg
            here = (float(entry.order.latitude), float(entry.order.longitude))
            ordered.append(entry)
    return ordered

"""Reading orders: who sees which order, which of its parts and steps, and the buyers' and traders' lists."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from src.models.accounts import Role, User
from src.models.orders import Order, OrderEvent, OrderItem, OrderStatus, StallOrder, StallOrderStatus
from src.services import payments
from src.services.assignments.carriers import courier_contact
from src.services.orders.states import LIVE_PARTS
from src.services.permissions import Action, may, require_role
from src.settings import Settings, get_settings

if TYPE_CHECKING:
    from src.models.payments import Refund


def sees_payment(full_view: bool, viewpoint: "Viewpoint") -> bool:
    """The order's payment (amounts due, account, QR, proof) is the buyer's and the market's admins'."""
    return full_view and viewpoint in (Viewpoint.BUYER, Viewpoint.ADMIN)


def sees_buyer(viewpoint: "Viewpoint", contact: bool) -> bool:
    """Who ordered: every viewer of the order but a courier no longer (or not yet) reaching the buyer."""
    return viewpoint != Viewpoint.COURIER or contact


def sees_buyer_phone(viewpoint: "Viewpoint") -> bool:
    """The buyer's phone: for all who see the buyer but traders (they see the name and business only)."""
    return viewpoint != Viewpoint.TRADER


class Viewpoint(StrEnum):
    """How a viewer stands to an order, which decides what of it they see."""

    BUYER = "BUYER"
    TRADER = "TRADER"  # their own part only, and the buyer's name, not how to reach them
    COURIER = "COURIER"  # what to fetch and where it goes, the address only while they need it
    ADMIN = "ADMIN"  # the market's admins: everything


class OrderView(NamedTuple):
    """An order as one viewer may see it: the parts they see, whether they see the whole order's money,
    how they stand to it, and whether they see how to reach the buyer (address, recipient, phone)."""

    order: Order
    parts: list[StallOrder]
    full_view: bool
    viewpoint: Viewpoint
    contact: bool


async def get_order(*, actor: User | None, order_id: int, settings: Settings | None = None) -> OrderView | None:
    """An order as this user may see it (see OrderView), or None when it is none of theirs: the buyer
    and the market's admins see all of it, a trader only their own part, its courier what the delivery
    needs (the buyer's address and phone until `courier_contact_grace_hours` after it ended)."""
    order = await Order.get_or_none(id=order_id)
    if order is None or actor is None:
        return None
    parts = await StallOrder.filter(order_id=order.id).select_related("stall").order_by("id")
    return await _view_of(actor, order, parts, settings)


async def orders_for(
    *, actor: User | None, order_ids: list[int], settings: Settings | None = None
) -> list[OrderView | None]:
    """get_order for many orders, in the ids' order: two queries whatever their number (a courier's also
    checks each order's delivery)."""
    if actor is None or not order_ids:
        return [None for _ in order_ids]
    orders = {o.id: o for o in await Order.filter(id__in=order_ids)}
    parts: dict[int, list[StallOrder]] = {i: [] for i in orders}
    for part in await StallOrder.filter(order_id__in=list(orders)).select_related("stall").order_by("id"):
        parts[part.order_id].append(part)
    return [await _view_of(actor, orders[i], parts[i], settings) if i in orders else None for i in order_ids]


async def _view_of(actor: User, order: Order, parts: list[StallOrder], settings: Settings | None) -> OrderView | None:
    if actor.id == order.buyer_id:
        return OrderView(order, parts, True, Viewpoint.BUYER, True)
    if may(actor, Action.ADMINISTER, order):
        return OrderView(order, parts, True, Viewpoint.ADMIN, True)
    if actor.role == Role.COURIER:
        # Its courier (offered, carrying or having carried it) sees all of it: what to fetch, where it goes.
        contact = await courier_contact(order_id=order.id, courier_id=actor.id, settings=settings or get_settings())
        if contact is None:
            return None
        return OrderView(order, parts, True, Viewpoint.COURIER, contact)
    own = [p for p in parts if p.stall.trader_id == actor.id]
    if not own:
        return None
    return OrderView(order, own, False, Viewpoint.TRADER, False)


# Who sees which step of an order's timeline. Traders: the order's own milestones and their part's steps
# (not another stall's weighing or reasons, nor the cash collected); couriers: the delivery's steps, with
# the cash they collected short or over (theirs to settle); the buyer: all but the market's internal
# bookkeeping (a COD difference, dispatching); the market's admins: everything.
ORDER_MILESTONES = {"PLACED", "PAYMENT_CONFIRMED", "READY_FOR_PICKUP", "PICKED_UP", "DELIVERED", "CANCELLED"}
PART_STEPS = {
    "STALL_ACCEPTED",
    "STALL_REJECTED",
    "WEIGHED",
    "STALL_READY",
    # a missing item and its substitute, a complaint about the part (`unavailable`, `substitution`, complaints)
    "ITEM_UNAVAILABLE",
    "SUBSTITUTION_PROPOSED",
    "SUBSTITUTION_ACCEPTED",
    "SUBSTITUTION_DECLINED",
    "SUBSTITUTION_EXPIRED",
    "COMPLAINT_OPENED",
    "COMPLAINT_RESOLVED",
}
DELIVERY_STEPS = {
    "READY_FOR_PICKUP",
    "COURIER_ASSIGNED",
    "PICKED_UP",
    "DELIVERED",
    "DELIVERY_FAILED",
    "COD_MISMATCH",
    "CANCELLED",
}
INTERNAL_STEPS = {"COD_MISMATCH", "NO_COURIER", "COURIER_UNASSIGNED"}


def event_visible(view: OrderView, event: OrderEvent) -> bool:
    """Whether this viewer of the order sees this step of its timeline."""
    if view.viewpoint == Viewpoint.ADMIN:
        return True
    if view.viewpoint == Viewpoint.BUYER:
        return event.type not in INTERNAL_STEPS
    if view.viewpoint == Viewpoint.COURIER:
        return event.type in DELIVERY_STEPS
    if event.type in PART_STEPS:  # a trader: only their own part's (an old step naming no part: nobody's)
        return event.stall_order_id is not None and event.stall_order_id in {p.id for p in view.parts}
    return event.type in ORDER_MILESTONES


def visible_events(view: OrderView, events: list[OrderEvent]) -> list[OrderEvent]:
    return [e for e in events if event_visible(view, e)]


def refund_visible(view: OrderView, stall_order_id: int | None) -> bool:
    """Who sees a refund of the order: the buyer and the market's admins all of them; a trader those of their
    own part (rejected, weighed less, unavailable), never the order's own (a cancellation's or a late
    payment's, which hold the delivery fee and the order's total); its courier none."""
    if view.viewpoint in (Viewpoint.BUYER, Viewpoint.ADMIN):
        return True
    if view.viewpoint == Viewpoint.TRADER:
        return stall_order_id is not None and stall_order_id in {p.id for p in view.parts}
    return False


async def visible_refund(actor: User | None, refund_id: int) -> Refund | None:
    """A refund, for who sees it in its order (`refund_visible`)."""
    refund = await payments.refund_or_none(refund_id)
    if refund is None:
        return None
    view = await get_order(actor=actor, order_id=refund.order_id)
    return refund if view is not None and refund_visible(view, refund.stall_order_id) else None


async def _part_visible(actor: User | None, part: StallOrder) -> bool:
    found = await get_order(actor=actor, order_id=part.order_id)
    return found is not None and part.id in {p.id for p in found[1]}


async def visible_part(actor: User | None, part_id: int) -> StallOrder | None:
    """A stall's part of an order, for who sees it in the order: the buyer, the admins, that part's trader."""
    part = await StallOrder.get_or_none(id=part_id)
    return part if part is not None and await _part_visible(actor, part) else None


async def visible_item(actor: User | None, item_id: int) -> OrderItem | None:
    """An order's item, visible where its part is."""
    item = await OrderItem.get_or_none(id=item_id).select_related("stall_order")
    return item if item is not None and await _part_visible(actor, item.stall_order) else None


async def order_by_id(order_id: int) -> Order:
    """An order by its id (it must exist), for other domains that hold its id."""
    return await Order.get(id=order_id)


async def order_or_none(order_id: int) -> Order | None:
    """An order by its id, or None."""
    return await Order.get_or_none(id=order_id)


async def delivered_at(order_id: int) -> datetime | None:
    """When the order was handed over (its DELIVERED step), or None."""
    event = await OrderEvent.filter(order_id=order_id, type="DELIVERED").order_by("-id").first()
    return event.created_at if event is not None else None


async def orders_by_ids(order_ids: list[int]) -> list[Order]:
    """Orders by their ids, in the ids' order (missing ones left out), in one query."""
    by_id = {o.id: o for o in await Order.filter(id__in=order_ids)}
    return [by_id[i] for i in order_ids if i in by_id]


async def ready_order_ids(*, market_id: int) -> list[int]:
    """The market's orders ready for pickup, oldest slot first."""
    rows = (
        await Order.filter(market_id=market_id, status=OrderStatus.READY_FOR_PICKUP)
        .order_by("slot_date", "id")
        .values_list("id", flat=True)
    )
    return [int(i) for i in rows]  # type: ignore[call-overload]


async def live_parts_with_items(order_ids: list[int]) -> tuple[list[StallOrder], list[OrderItem]]:
    """The live parts (with their stalls) of several orders and their items, each in id order: two queries."""
    parts = (
        await StallOrder.filter(order_id__in=order_ids, status__in=list(LIVE_PARTS))
        .select_related("stall")
        .order_by("id")
    )
    items = await OrderItem.filter(stall_order_id__in=[p.id for p in parts]).order_by("id")
    return parts, items


async def parts_of(order_ids: list[int]) -> dict[int, list[StallOrder]]:
    """The parts (with their stalls) of several orders, in one query."""
    grouped: dict[int, list[StallOrder]] = {}
    for part in await StallOrder.filter(order_id__in=order_ids or [0]).select_related("stall").order_by("id"):
        grouped.setdefault(part.order_id, []).append(part)
    return grouped


async def my_orders(*, actor: User | None, status: OrderStatus | None, after_id: int | None, limit: int) -> list[Order]:
    buyer = require_role(actor, Role.BUYER)
    query = Order.filter(buyer_id=buyer.id)
    if status is not None:
        query = query.filter(status=status)
    if after_id is not None:
        query = query.filter(id__lt=after_id)
    return await query.order_by("-id").limit(limit)


async def stall_orders(
    *, actor: User | None, status: StallOrderStatus | None, after_id: int | None, limit: int
) -> list[StallOrder]:
    trader = require_role(actor, Role.TRADER)
    query = StallOrder.filter(stall__trader_id=trader.id).exclude(order__status=OrderStatus.AWAITING_PAYMENT)
    if status is not None:
        query = query.filter(status=status)
    if after_id is not None:
        query = query.filter(id__lt=after_id)
    return await query.order_by("-id").limit(limit).select_related("stall", "order")

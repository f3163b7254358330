"""The trader's picking list: what to prepare for a delivery slot, one line per product and each order under it.

Orders the trader has to prepare: placed ones (a transfer or QRIS order once paid), not cancelled, whose part
of this stall is still live. Two queries whatever the number of orders: the stall, and the items with their
parts and orders.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from src.models.accounts import Role, User
from src.models.orders import ItemState, OrderItem, OrderStatus, SlotWindow
from src.services.common import dates
from src.services.markets import trader_stall
from src.services.orders.states import LIVE_PARTS
from src.services.permissions import require_role

TO_PREPARE = (OrderStatus.PLACED, OrderStatus.PROCESSING, OrderStatus.READY_FOR_PICKUP)


@dataclass(frozen=True)
class PickedOrder:
    number: str
    window: SlotWindow
    quantity: Decimal
    weighed_quantity: Decimal | None
    note: str
    order_item_id: int


@dataclass
class PickingLine:
    product_id: int | None
    product_name: str
    unit: str
    is_weighed: bool
    total_quantity: Decimal = Decimal(0)
    orders: list[PickedOrder] = field(default_factory=list)


async def picking_list(*, actor: User | None, day: date, window: SlotWindow | None) -> list[PickingLine]:
    """The trader's lines for a day (and window), by product name; orders under each by number."""
    trader = require_role(actor, Role.TRADER)
    dates.check_date(day, field="date")
    stall = await trader_stall(trader)
    items = OrderItem.filter(
        stall_order__stall_id=stall.id,
        stall_order__status__in=list(LIVE_PARTS),
        stall_order__order__slot_date=day,
        stall_order__order__status__in=list(TO_PREPARE),
    ).exclude(state=ItemState.UNAVAILABLE)  # left the order: nothing to prepare
    if window is not None:
        items = items.filter(stall_order__order__slot_window=window)
    lines: dict[tuple[int | None, str, str], PickingLine] = {}
    for item in await items.select_related("stall_order__order"):
        order = item.stall_order.order
        # A product deleted since keeps its line by the name and unit the order snapshot.
        key = (item.product_id, item.product_name if item.product_id is None else "", item.unit)
        line = lines.get(key) or PickingLine(item.product_id, item.product_name, item.unit, item.is_weighed)
        line.total_quantity += item.quantity
        line.orders.append(
            PickedOrder(order.number, order.slot_window, item.quantity, item.fulfilled_quantity, item.note, item.id)
        )
        lines[key] = line
    for line in lines.values():
        line.orders.sort(key=lambda o: o.number)
    return sorted(lines.values(), key=lambda line: (line.product_name.casefold(), line.unit))

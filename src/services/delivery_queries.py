"""Reading deliveries for the API: an assignment as it is now, and a courier's day as queue entries."""

from src.models.delivery import DeliveryAssignment
from src.models.orders import Order
from src.services import delivery as delivery_service


async def current_entry(*, assignment_id: int) -> delivery_service.QueueEntry:
    """An assignment as it is now (read again after a change), with its order and pickups."""
    return await delivery_service.entry_for(await DeliveryAssignment.get(id=assignment_id))


async def settlement_entries(*, settlement: delivery_service.Settlement) -> list[delivery_service.QueueEntry]:
    """A settlement's deliveries with their orders and pickups, in three queries whatever their number."""
    order_ids = [d.order_id for d in settlement.deliveries]
    orders = {o.id: o for o in await Order.filter(id__in=order_ids or [0])}
    entries = [delivery_service.QueueEntry(d, orders[d.order_id]) for d in settlement.deliveries]
    await delivery_service.attach_pickups(entries)
    return entries

"""A weighed item's price is its weight: its part is not ready until the item has been weighed."""

from decimal import Decimal

import pytest

from src.models.orders import OrderItem, StallOrder, StallOrderStatus
from src.services import orders as orders_service
from src.services.common.errors import DomainError, ErrorCode
from src.settings import Settings
from tests.support.world import IKAN_TONGKOL, make_shop


async def test_a_part_with_an_unweighed_item_is_not_ready(clean_db: None, settings: Settings) -> None:
    shop = await make_shop(settings, goods=(IKAN_TONGKOL,))
    order = await shop.order(quantity="0.5", ready=False)
    part = await StallOrder.get(order_id=order.id)
    await orders_service.accept_stall_order(actor=shop.trader, stall_order_id=part.id)
    with pytest.raises(DomainError) as caught:
        await orders_service.mark_stall_order_ready(actor=shop.trader, stall_order_id=part.id)
    assert (caught.value.code, caught.value.field) == (ErrorCode.NOT_WEIGHED, "stallOrderId")
    assert caught.value.params == {"item": "Ikan tongkol"}
    assert (await StallOrder.get(id=part.id)).status == StallOrderStatus.ACCEPTED
    item = await OrderItem.get(stall_order_id=part.id)
    await orders_service.set_fulfilled_quantity(
        actor=shop.trader, order_item_id=item.id, quantity=Decimal("0.48"), settings=settings
    )
    ready = await orders_service.mark_stall_order_ready(actor=shop.trader, stall_order_id=part.id)
    assert ready.status == StallOrderStatus.READY

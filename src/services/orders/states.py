"""Order and stall-order statuses: the transition tables every change goes through, and the order's lock."""

from src.models.orders import Order, OrderStatus, StallOrder, StallOrderStatus
from src.services.common.errors import DomainError, ErrorCode
from src.services.notification_texts import StatusName

ORDER_TRANSITIONS: set[tuple[OrderStatus, OrderStatus]] = {
    (OrderStatus.AWAITING_PAYMENT, OrderStatus.PLACED),
    (OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED),
    (OrderStatus.PLACED, OrderStatus.PROCESSING),
    (OrderStatus.PLACED, OrderStatus.READY_FOR_PICKUP),  # the only accepted part became ready at once
    (OrderStatus.PLACED, OrderStatus.CANCELLED),
    (OrderStatus.PROCESSING, OrderStatus.READY_FOR_PICKUP),
    (OrderStatus.PROCESSING, OrderStatus.CANCELLED),
    (OrderStatus.READY_FOR_PICKUP, OrderStatus.OUT_FOR_DELIVERY),
    (OrderStatus.READY_FOR_PICKUP, OrderStatus.CANCELLED),
    (OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED),
    (OrderStatus.OUT_FOR_DELIVERY, OrderStatus.READY_FOR_PICKUP),  # delivery failed: back at the market
    (OrderStatus.OUT_FOR_DELIVERY, OrderStatus.CANCELLED),
}
STALL_ORDER_TRANSITIONS: set[tuple[StallOrderStatus, StallOrderStatus]] = {
    (StallOrderStatus.PENDING, StallOrderStatus.ACCEPTED),
    (StallOrderStatus.PENDING, StallOrderStatus.REJECTED),
    (StallOrderStatus.PENDING, StallOrderStatus.CANCELLED),
    (StallOrderStatus.ACCEPTED, StallOrderStatus.READY),
    (StallOrderStatus.ACCEPTED, StallOrderStatus.REJECTED),  # its last item missing (or rejected after all)
    (StallOrderStatus.ACCEPTED, StallOrderStatus.CANCELLED),
    (StallOrderStatus.READY, StallOrderStatus.CANCELLED),
}
# A buyer may cancel until the courier has the goods; the market's admin until delivery.
BUYER_MAY_CANCEL = {
    OrderStatus.AWAITING_PAYMENT,
    OrderStatus.PLACED,
    OrderStatus.PROCESSING,
    OrderStatus.READY_FOR_PICKUP,
}
LIVE_PARTS = {StallOrderStatus.PENDING, StallOrderStatus.ACCEPTED, StallOrderStatus.READY}


def order_state_error(order: Order) -> DomainError:
    """INVALID_STATE naming the order's status as people call it (not its code)."""
    return DomainError(ErrorCode.INVALID_STATE, message_key="ORDER_STATE", status=StatusName("order", order.status))


def part_state_error(part: StallOrder) -> DomainError:
    """INVALID_STATE naming the status of a stall's part of an order."""
    return DomainError(
        ErrorCode.INVALID_STATE, message_key="STALL_ORDER_STATE", status=StatusName("stall_order", part.status)
    )


def move_order(order: Order, target: OrderStatus) -> None:
    if (order.status, target) not in ORDER_TRANSITIONS:
        raise order_state_error(order)
    order.status = target


def move_stall_order(part: StallOrder, target: StallOrderStatus) -> None:
    if (part.status, target) not in STALL_ORDER_TRANSITIONS:
        raise part_state_error(part)
    part.status = target


async def lock_order(order_id: int) -> Order:
    """The order's row lock, which every change of an order takes first."""
    return await Order.select_for_update().get(id=order_id)


async def lock_order_or_none(order_id: int) -> Order | None:
    """`lock_order`, or None when there is no such order."""
    return await Order.select_for_update().get_or_none(id=order_id)

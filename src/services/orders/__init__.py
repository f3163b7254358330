"""Orders: the cart, placing, the traders' part, cancelling, paying and reading, one module each.

The names other packages use (`from src.services import orders as orders_service`) are re-exported here;
`states` is at the bottom: delivery moves an order through it, never the other way round.
"""

from src.models.orders import SlotWindow
from src.services.common.dates import WIB
from src.services.orders.cancelling import cancel as _cancel
from src.services.orders.cancelling import cancel_order
from src.services.orders.cart import add_to_cart, clear_cart, get_cart, remove_from_cart, update_cart_item
from src.services.orders.fulfilment import (
    accept_stall_order,
    mark_stall_order_ready,
    reject_stall_order,
    set_fulfilled_quantity,
)
from src.services.orders.gateway import CallbackOutcome, receive_callback
from src.services.orders.numbers import order_day as _order_day
from src.services.orders.paying import confirm_payment, expire_unpaid_orders, submit_payment_proof
from src.services.orders.picking import PickingLine, picking_list
from src.services.orders.placing import AddressInput, ItemInput, OrderRequest, SlotInput, place_order
from src.services.orders.pricing import quote_delivery, unit_price
from src.services.orders.reading import (
    OrderView,
    Viewpoint,
    delivered_at,
    get_order,
    my_orders,
    order_or_none,
    orders_for,
    parts_of,
    refund_visible,
    sees_buyer,
    sees_buyer_phone,
    sees_payment,
    stall_orders,
    visible_events,
    visible_item,
    visible_part,
    visible_refund,
)
from src.services.orders.refunding import receive_late_payment, refund_overpaid, refund_rejected
from src.services.orders.states import (
    ORDER_TRANSITIONS,
    STALL_ORDER_TRANSITIONS,
    move_order,
    move_stall_order,
)
from src.services.orders.substitution import expire_substitution, expired_substitution_ids, respond_to_substitution
from src.services.orders.timeline import record_event, snapshot, snapshot_of
from src.services.orders.unavailable import mark_item_unavailable

__all__ = [
    "ORDER_TRANSITIONS",
    "STALL_ORDER_TRANSITIONS",
    "WIB",
    "AddressInput",
    "CallbackOutcome",
    "ItemInput",
    "OrderRequest",
    "OrderView",
    "PickingLine",
    "SlotInput",
    "SlotWindow",
    "Viewpoint",
    "_cancel",
    "_order_day",
    "accept_stall_order",
    "add_to_cart",
    "cancel_order",
    "clear_cart",
    "confirm_payment",
    "delivered_at",
    "expire_substitution",
    "expire_unpaid_orders",
    "expired_substitution_ids",
    "get_cart",
    "get_order",
    "mark_item_unavailable",
    "mark_stall_order_ready",
    "move_order",
    "move_stall_order",
    "my_orders",
    "order_or_none",
    "orders_for",
    "parts_of",
    "picking_list",
    "place_order",
    "quote_delivery",
    "receive_callback",
    "receive_late_payment",
    "record_event",
    "refund_overpaid",
    "refund_rejected",
    "refund_visible",
    "reject_stall_order",
    "remove_from_cart",
    "respond_to_substitution",
    "sees_buyer",
    "sees_buyer_phone",
    "sees_payment",
    "set_fulfilled_quantity",
    "snapshot",
    "snapshot_of",
    "stall_orders",
    "submit_payment_proof",
    "unit_price",
    "update_cart_item",
    "visible_events",
    "visible_item",
    "visible_part",
    "visible_refund",
]

"""What a buyer owes for an order now, at the bottom of payments (dues, refunds and the invariant read it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from src.models.orders import OrderStatus

if TYPE_CHECKING:
    from src.models.orders import Order
    from src.models.payments import Payment


def owed(order: Order, payment: Payment) -> int:
    """What the buyer owes for the order now: its total with the transfer's code or the cash rounding."""
    if order.status == OrderStatus.CANCELLED:
        return 0
    return order.total + payment.unique_code + payment.cod_rounding

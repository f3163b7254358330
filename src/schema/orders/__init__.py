"""Cart and orders: the buyer's cart, placing orders, the traders' parts, cancelling and payment.

`types` (an order as each viewer may see it), `cart`, `inputs`, `queries` and `mutations`.
"""

from src.schema.orders.mutations import OrdersMutation
from src.schema.orders.queries import OrdersQuery

__all__ = ["OrdersMutation", "OrdersQuery"]

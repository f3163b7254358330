"""Couriers and delivery: availability, assignment, the courier's queue, pickup and proof of delivery,
cash-on-delivery settlement, and the live subscriptions for orders and queues.

`types`, `queries`, `mutations` and `subscriptions`.
"""

from src.schema.delivery.mutations import DeliveryMutation
from src.schema.delivery.queries import DeliveryQuery
from src.schema.delivery.subscriptions import DeliverySubscription

__all__ = ["DeliveryMutation", "DeliveryQuery", "DeliverySubscription"]

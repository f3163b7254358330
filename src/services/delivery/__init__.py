"""Couriers and deliveries: availability, offers and manual assignment, the courier's steps and queue,
proof of delivery, cash on delivery and the day's settlement, one module each.

The names other packages use (`from src.services import delivery`) are re-exported here. The assignment's
states and what orders asks of a delivery live below both, in `src.services.assignments`: delivery builds on
orders, orders on assignments, and neither reads the other's tables.
"""

from src.services import orders as orders_service  # reached as `delivery.orders_service` by older callers
from src.services.assignments.states import LIVE, SHOWN, SHOWN_TO_ADMINS, courier_sees_contact
from src.services.delivery.availability import offer_waiting, update_availability
from src.services.delivery.couriers import (
    live_counts,
    market_couriers,
    profile_of,
    profiles_of,
    set_availability,
    waiting_orders,
)
from src.services.delivery.offers import assign_manually, expire_offer, expired_offer_ids, offer_order
from src.services.delivery.reading import (
    current_entry,
    offer_expiry,
    order_view,
    proof_url,
    proof_url_seen,
    sees_offers,
    shows_delivery,
    visible_assignment,
)
from src.services.delivery.routes import QueueEntry, attach_pickups, delivery_queue, entries_for, entry_for
from src.services.delivery.settlements import Settlement, courier_settlement, mark_cash_remitted, market_settlements
from src.services.delivery.steps import accept, decline, mark_delivered, mark_failed, mark_picked_up

__all__ = [
    "LIVE",
    "SHOWN",
    "SHOWN_TO_ADMINS",
    "QueueEntry",
    "Settlement",
    "accept",
    "assign_manually",
    "attach_pickups",
    "courier_sees_contact",
    "courier_settlement",
    "current_entry",
    "decline",
    "delivery_queue",
    "entries_for",
    "entry_for",
    "expire_offer",
    "expired_offer_ids",
    "live_counts",
    "mark_cash_remitted",
    "mark_delivered",
    "mark_failed",
    "mark_picked_up",
    "market_couriers",
    "market_settlements",
    "offer_expiry",
    "offer_order",
    "offer_waiting",
    "order_view",
    "orders_service",
    "profile_of",
    "profiles_of",
    "proof_url",
    "proof_url_seen",
    "sees_offers",
    "set_availability",
    "shows_delivery",
    "update_availability",
    "visible_assignment",
    "waiting_orders",
]

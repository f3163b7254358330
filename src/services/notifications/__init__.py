"""Notifications: from outbox events to one notification per recipient, and delivery on each channel.

`handover` is the outbox's relay and router (an event's job after the commit, the relay's sweep, the
follow-ups of its topic); `recipients` (a table from topic to handler) says who hears of it and what;
`inbox` makes the notifications once and lists them; `channels` sends each by email and webhook at most
once after success. The names other packages use are re-exported here.
"""

from src.models.notifications import DeliveryStatus
from src.services.notifications.channels import (
    TransientDeliveryError,
    deliver,
    mark_failed,
)
from src.services.notifications.handover import hand_over, hand_over_written, requeue_stalled, route_event
from src.services.notifications.inbox import create_notifications, list_for, mark_read, own_notifications, unread_count

__all__ = [
    "DeliveryStatus",
    "TransientDeliveryError",
    "create_notifications",
    "deliver",
    "hand_over",
    "hand_over_written",
    "list_for",
    "mark_failed",
    "mark_read",
    "own_notifications",
    "requeue_stalled",
    "route_event",
    "unread_count",
]

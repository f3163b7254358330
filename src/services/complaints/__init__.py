"""Complaints: a buyer's complaint about a delivered order or one part of it, and the market admin's answer.

- `opening`: `open_complaint`, by the buyer within COMPLAINT_WINDOW_HOURS of the delivery, with an optional
  private photo; the part's trader and the market's admins are told.
- `resolving`: `resolve_complaint`, by the market's admin (or the trade office): REFUND gives back at most
  what was paid for that part (`payments.refund_complaint`, charged to its trader), REJECT gives nothing.
- `reading`: who sees which complaint, the admins' list, each order's complaints.

Orders and payments are reached through their services; this package owns only the `Complaint` rows.
"""

from src.services.complaints.opening import open_complaint
from src.services.complaints.reading import (
    complaints_for_market,
    complaints_of_orders,
    photo_url,
    visible_complaint,
)
from src.services.complaints.resolving import resolve_complaint

__all__ = [
    "complaints_for_market",
    "complaints_of_orders",
    "open_complaint",
    "photo_url",
    "resolve_complaint",
    "visible_complaint",
]

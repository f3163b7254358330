"""A buyer's habits: reordering an earlier order, favourite products and stalls, rating delivered stall orders.

The address book is a domain of its own (`src/services/addresses.py`), below orders, which copy an entry into
an order; these modules sit above orders and read its rows. Models in `src/models/habits.py`.
"""

from src.services.habits.favourites import MAX_FAVOURITES, Favourites, my_favourites, set_favourite
from src.services.habits.ratings import (
    RatingSummary,
    average_stars,
    rate_stall_order,
    ratings_of_parts,
    summaries_for,
)
from src.services.habits.reorder import Reordered, reorder

__all__ = [
    "MAX_FAVOURITES",
    "Favourites",
    "RatingSummary",
    "Reordered",
    "average_stars",
    "my_favourites",
    "rate_stall_order",
    "ratings_of_parts",
    "reorder",
    "set_favourite",
    "summaries_for",
]

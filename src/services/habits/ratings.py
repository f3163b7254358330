"""Ratings: the buyer gives 1 to 5 stars (and a comment) to each delivered stall order, once, shown on the stall.

Each stall's count and sum of stars live in one summary row, added to in the rating's own transaction, so
the catalog reads a stall's rating with the stall (one joined row) and a list of stalls in one query.
"""

from dataclasses import dataclass

from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.habits import StallRating, StallRatingSummary
from src.models.orders import OrderStatus, StallOrder, StallOrderStatus
from src.services.common.errors import DomainError, ErrorCode, ErrorCollector, invalid
from src.services.common.sql import Sql
from src.services.common.text import clean_text
from src.services.permissions import require_role

MIN_STARS, MAX_STARS = 1, 5
COMMENT_MAX = 500


@dataclass(frozen=True)
class RatingSummary:
    """A stall's ratings: how many, and their stars added up."""

    count: int = 0
    stars_total: int = 0

    @property
    def average(self) -> float | None:
        return average_stars(self.count, self.stars_total)


def average_stars(count: int, stars_total: int) -> float | None:
    """The mean of a stall's stars to two decimals (4.67), None before its first rating; the catalog's fast
    path calls this too, so both paths answer alike."""
    return round(stars_total / count, 2) if count else None


async def rate_stall_order(*, actor: User | None, stall_order_id: int, stars: int, comment: str | None) -> StallOrder:
    """The buyer of a delivered part rates it once; not before delivery, not twice, not another buyer's part."""
    buyer = require_role(actor, Role.BUYER)
    part = await StallOrder.get_or_none(id=stall_order_id).select_related("order")
    if part is None or part.order.buyer_id != buyer.id:
        raise DomainError(ErrorCode.NOT_FOUND, field="stallOrderId")
    errors = ErrorCollector()
    if not MIN_STARS <= stars <= MAX_STARS:
        errors.add(invalid("stars", "STARS_RANGE"))
    text = clean_text(comment, field="comment", max_length=COMMENT_MAX, errors=errors, required=False, multiline=True)
    errors.raise_if_any()
    # Delivered: the order reached the buyer and this part was in it (not rejected or cancelled on the way).
    if part.order.status != OrderStatus.DELIVERED or part.status != StallOrderStatus.READY:
        raise DomainError(ErrorCode.INVALID_STATE, field="stallOrderId", message_key="RATE_AFTER_DELIVERY")
    already = DomainError(ErrorCode.ALREADY_EXISTS, field="stallOrderId", message_key="ALREADY_RATED")
    if await StallRating.exists(stall_order_id=part.id):
        raise already
    try:
        async with in_transaction():
            await StallRating.create(stall_order_id=part.id, stall_id=part.stall_id, buyer_id=buyer.id, stars=stars,
                                     comment=text)  # fmt: skip
            await _add_to_summary(part.stall_id, stars)
    except IntegrityError as exc:  # a second request for the same part, racing: the unique part refused it
        raise already from exc
    return part


async def _add_to_summary(stall_id: int, stars: int) -> None:
    """One more rating in the stall's summary row, made on its first rating: one statement, safe under races."""
    connection = get_connection("default")
    sql = Sql(connection.capabilities.dialect)
    # Constants only: the values are bound parameters.
    query = f"""INSERT INTO stall_rating_summary (stall_id, rating_count, stars_total)
        VALUES ({sql.param(stall_id)}, 1, {sql.param(stars)})
        ON CONFLICT (stall_id) DO UPDATE SET rating_count = stall_rating_summary.rating_count + 1,
        stars_total = stall_rating_summary.stars_total + excluded.stars_total"""  # noqa: S608
    await connection.execute_query(query, sql.params)


async def summaries_for(stall_ids: list[int]) -> list[RatingSummary]:
    """Each stall's rating summary, in the order of `stall_ids` (one query; none yet: a count of 0)."""
    found = {
        row["stall_id"]: RatingSummary(count=row["rating_count"], stars_total=row["stars_total"])
        for row in await StallRatingSummary.filter(stall_id__in=stall_ids).values(
            "stall_id", "rating_count", "stars_total"
        )
    }
    return [found.get(i, RatingSummary()) for i in stall_ids]


async def ratings_of_parts(part_ids: list[int]) -> list[StallRating | None]:
    """Each stall order's rating (or None), in the order of `part_ids` (one query)."""
    found = {r.stall_order_id: r for r in await StallRating.filter(stall_order_id__in=part_ids)}
    return [found.get(i) for i in part_ids]

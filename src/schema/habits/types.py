"""The ratings' types: a stall's rating (`Stall.rating`) and a delivered part's rating (`StallOrder.rating`)."""

from datetime import datetime

import strawberry

from src.models.habits import StallRating
from src.services import habits as habits_service


@strawberry.type(name="StallRating", description="Buyers' stars for a stall's delivered orders.")
class StallRatingType:
    average: float | None = strawberry.field(
        description="The mean of the stars (1 to 5), two decimals; null before the first."
    )
    count: int = strawberry.field(description="How many delivered orders were rated.")

    @classmethod
    def of(cls, count: int, stars_total: int) -> "StallRatingType":
        return cls(average=habits_service.average_stars(count, stars_total), count=count)


@strawberry.type(name="StallOrderRating", description="The buyer's rating of one delivered part of their order.")
class StallOrderRatingType:
    stars: int
    comment: str
    created_at: datetime

    @classmethod
    def from_model(cls, rating: StallRating) -> "StallOrderRatingType":
        return cls(stars=rating.stars, comment=rating.comment, created_at=rating.created_at)

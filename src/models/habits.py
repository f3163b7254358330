"""A buyer's habits: the address book, favourite products and stalls, and ratings of delivered stall orders."""

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from src.models.accounts import User
    from src.models.catalog import Product
    from src.models.markets import Stall
    from src.models.orders import StallOrder


class Address(Model):
    """A delivery address in a buyer's address book. An order copies it when placed, so a later change or
    deletion here leaves placed orders as they were."""

    id = fields.IntField(primary_key=True)
    buyer: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="addresses", on_delete=fields.CASCADE
    )
    buyer_id: int
    label = fields.CharField(max_length=40)
    line = fields.CharField(max_length=255)
    area = fields.CharField(max_length=120, default="")
    recipient_name = fields.CharField(max_length=120)
    recipient_phone = fields.CharField(max_length=20)
    latitude = fields.DecimalField(max_digits=9, decimal_places=6)
    longitude = fields.DecimalField(max_digits=9, decimal_places=6)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "address"
        unique_together = (("buyer", "label"),)


class FavouriteProduct(Model):
    """A product a buyer keeps among their favourites."""

    id = fields.IntField(primary_key=True)
    buyer: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="favourite_products", on_delete=fields.CASCADE
    )
    buyer_id: int
    product: fields.ForeignKeyRelation["Product"] = fields.ForeignKeyField(
        "models.Product", related_name="favourited_by", on_delete=fields.CASCADE
    )
    product_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "favourite_product"
        unique_together = (("buyer", "product"),)


class FavouriteStall(Model):
    """A stall a buyer keeps among their favourites."""

    id = fields.IntField(primary_key=True)
    buyer: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="favourite_stalls", on_delete=fields.CASCADE
    )
    buyer_id: int
    stall: fields.ForeignKeyRelation["Stall"] = fields.ForeignKeyField(
        "models.Stall", related_name="favourited_by", on_delete=fields.CASCADE
    )
    stall_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "favourite_stall"
        unique_together = (("buyer", "stall"),)


class StallRating(Model):
    """A buyer's stars (1 to 5) and comment for one delivered stall order: at most one per part."""

    id = fields.IntField(primary_key=True)
    stall_order: fields.OneToOneRelation["StallOrder"] = fields.OneToOneField(
        "models.StallOrder", related_name="rating", on_delete=fields.CASCADE
    )
    stall_order_id: int
    stall: fields.ForeignKeyRelation["Stall"] = fields.ForeignKeyField(
        "models.Stall", related_name="ratings", on_delete=fields.CASCADE
    )
    stall_id: int
    buyer: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="stall_ratings", on_delete=fields.CASCADE
    )
    buyer_id: int
    stars = fields.SmallIntField()
    comment = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stall_rating"
        indexes = (Index(fields=("stall_id", "created_at")),)


class StallRatingSummary(Model):
    """How many ratings a stall has and their stars added up, kept in the transaction of each rating, so a
    catalog page reads one row per stall instead of every rating."""

    id = fields.IntField(primary_key=True)
    stall: fields.OneToOneRelation["Stall"] = fields.OneToOneField(
        "models.Stall", related_name="rating_summary", on_delete=fields.CASCADE
    )
    stall_id: int
    rating_count = fields.IntField(default=0)
    stars_total = fields.IntField(default=0)

    class Meta:
        table = "stall_rating_summary"

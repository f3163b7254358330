"""A substitute a trader offers for a missing item, which the buyer takes or leaves within a time limit."""

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from src.models.accounts import User
    from src.models.catalog import Product
    from src.models.orders import OrderItem


class SubstitutionStatus(StrEnum):
    PENDING = "PENDING"  # waiting for the buyer until `expires_at`
    ACCEPTED = "ACCEPTED"  # the item's line is now the substitute's
    DECLINED = "DECLINED"  # the buyer said no: the item left the order
    EXPIRED = "EXPIRED"  # no answer in time (or the part ended first): the item left the order


class Substitution(Model):
    """One offer of a substitute for an order item: the substitute as offered (name, unit and price as they
    were, the buyer agrees to those) and, once taken, the item as it was ordered."""

    id = fields.IntField(primary_key=True)
    order_item: fields.OneToOneRelation["OrderItem"] = fields.OneToOneField(
        "models.OrderItem", related_name="substitution", on_delete=fields.CASCADE
    )
    order_item_id: int
    product: fields.ForeignKeyNullableRelation["Product"] = fields.ForeignKeyField(
        "models.Product", related_name="substitutions", null=True, on_delete=fields.SET_NULL
    )
    product_id: int | None
    product_name = fields.CharField(max_length=120)
    unit = fields.CharField(max_length=12)
    unit_price = fields.IntField()
    quantity = fields.DecimalField(max_digits=10, decimal_places=3)
    is_weighed = fields.BooleanField(default=False)
    line_total = fields.IntField()
    status = fields.CharEnumField(SubstitutionStatus, max_length=10, default=SubstitutionStatus.PENDING)
    expires_at = fields.DatetimeField()
    responded_at = fields.DatetimeField(null=True)
    # The item as ordered, kept when the substitute takes its line.
    original_product_id = fields.IntField(null=True)
    original_name = fields.CharField(max_length=120)
    original_quantity = fields.DecimalField(max_digits=10, decimal_places=3)
    original_line_total = fields.IntField()
    offered_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="substitutions_offered", null=True, on_delete=fields.SET_NULL
    )
    offered_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "substitution"
        indexes = (Index(fields=("status", "expires_at")),)

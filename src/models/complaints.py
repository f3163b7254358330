"""A buyer's complaint about a delivered order (or one stall's part of it), and the market admin's resolution."""

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from src.models.accounts import User
    from src.models.markets import Market
    from src.models.orders import Order, StallOrder
    from src.models.payments import Refund


class ComplaintStatus(StrEnum):
    OPEN = "OPEN"  # waiting for the market admin
    REFUNDED = "REFUNDED"  # resolved with money given back
    REJECTED = "REJECTED"  # resolved without


class ComplaintResolution(StrEnum):
    REFUND = "REFUND"
    REJECT = "REJECT"


class Complaint(Model):
    """What a buyer says went wrong with a delivered order, with an optional private photo."""

    id = fields.IntField(primary_key=True)
    # "order:<id>" or "part:<stall order id>": one complaint per order and per part, whatever retries.
    scope = fields.CharField(max_length=32, unique=True)
    order: fields.ForeignKeyRelation["Order"] = fields.ForeignKeyField(
        "models.Order", related_name="complaints", on_delete=fields.CASCADE
    )
    order_id: int
    stall_order: fields.ForeignKeyNullableRelation["StallOrder"] = fields.ForeignKeyField(
        "models.StallOrder", related_name="complaints", null=True, on_delete=fields.CASCADE
    )
    stall_order_id: int | None
    market: fields.ForeignKeyRelation["Market"] = fields.ForeignKeyField(
        "models.Market", related_name="complaints", on_delete=fields.RESTRICT
    )
    market_id: int
    buyer: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="complaints", on_delete=fields.CASCADE
    )
    buyer_id: int
    reason = fields.CharField(max_length=1000)
    photo_key = fields.CharField(max_length=255, null=True)
    status = fields.CharEnumField(ComplaintStatus, max_length=10, default=ComplaintStatus.OPEN)
    resolution = fields.CharEnumField(ComplaintResolution, max_length=8, null=True)
    note = fields.CharField(max_length=1000, null=True)
    amount = fields.IntField(null=True)  # what a REFUND resolution gave back
    refund: fields.ForeignKeyNullableRelation["Refund"] = fields.ForeignKeyField(
        "models.Refund", related_name="complaints", null=True, on_delete=fields.SET_NULL
    )
    refund_id: int | None
    resolved_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="complaints_resolved", null=True, on_delete=fields.SET_NULL
    )
    resolved_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "complaint"
        indexes = (Index(fields=("market_id", "status", "id")),)

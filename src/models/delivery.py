"""Couriers and deliveries: a courier's profile and the assignments of orders to couriers."""

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from src.models.accounts import User
    from src.models.markets import Market
    from src.models.orders import Order


class Vehicle(StrEnum):
    MOTORCYCLE = "MOTORCYCLE"
    BICYCLE = "BICYCLE"
    CAR = "CAR"
    PICKUP_TRUCK = "PICKUP_TRUCK"  # bulk orders for hotels and restaurants


class CourierProfile(Model):
    """What the dispatcher knows of a courier: vehicle, whether they take orders now, where they were last."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation["User"] = fields.OneToOneField(
        "models.User", related_name="courier_profile", on_delete=fields.CASCADE
    )
    user_id: int
    vehicle = fields.CharEnumField(Vehicle, max_length=16, default=Vehicle.MOTORCYCLE)
    available = fields.BooleanField(default=False)
    latitude = fields.DecimalField(max_digits=9, decimal_places=6, null=True)
    longitude = fields.DecimalField(max_digits=9, decimal_places=6, null=True)
    located_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "courier_profile"


class AssignmentStatus(StrEnum):
    OFFERED = "OFFERED"
    ACCEPTED = "ACCEPTED"
    PICKED_UP = "PICKED_UP"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"  # an offer nobody accepted in time
    WITHDRAWN = "WITHDRAWN"  # reassigned by the market admin, or the order was cancelled


class DeliveryAssignment(Model):
    """One order given to one courier: offered, accepted, picked up, then delivered or failed.

    `live_order_id` holds the order's id while the assignment is live (offered, accepted or picked up)
    and is null otherwise. It is unique, so an order never has two live assignments, however many jobs
    or admins race to assign it.
    """

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation["Order"] = fields.ForeignKeyField(
        "models.Order", related_name="assignments", on_delete=fields.CASCADE
    )
    order_id: int
    courier: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="deliveries", on_delete=fields.RESTRICT
    )
    courier_id: int
    market: fields.ForeignKeyRelation["Market"] = fields.ForeignKeyField(
        "models.Market", related_name="deliveries", on_delete=fields.RESTRICT
    )
    market_id: int
    status = fields.CharEnumField(AssignmentStatus, max_length=10, default=AssignmentStatus.OFFERED)
    live_order_id = fields.IntField(null=True, unique=True)
    assigned_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="assignments_made", null=True, on_delete=fields.SET_NULL
    )
    assigned_by_id: int | None
    offered_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(null=True)
    accepted_at = fields.DatetimeField(null=True)
    picked_up_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)  # declined, expired, withdrawn or failed
    reason = fields.CharField(max_length=500, null=True)
    proof_photo_key = fields.CharField(max_length=200, null=True)
    cod_expected = fields.IntField(default=0, description="rupiah to collect at the door")
    cod_collected = fields.IntField(null=True)
    cod_difference = fields.IntField(default=0, description="collected minus expected, flagged when not 0")
    cash_remitted_at = fields.DatetimeField(null=True)
    cash_remitted_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="remittances_received", null=True, on_delete=fields.SET_NULL
    )
    cash_remitted_by_id: int | None
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "delivery_assignment"
        indexes = (
            Index(fields=("courier_id", "status")),
            Index(fields=("market_id", "delivered_at")),
            Index(fields=("order_id", "status")),
        )

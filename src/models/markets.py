"""Markets (pasar) and the stalls traders run in them."""

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class Market(Model):
    """A traditional market of the city, with where it delivers and what delivery costs."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    slug = fields.CharField(max_length=120, unique=True)
    address = fields.CharField(max_length=255)
    latitude = fields.DecimalField(max_digits=9, decimal_places=6)
    longitude = fields.DecimalField(max_digits=9, decimal_places=6)
    opening_hours = fields.CharField(max_length=120, description="e.g. 'Setiap hari 04:00-14:00'")
    timezone = fields.CharField(max_length=40, default="Asia/Jakarta")
    delivery_radius_km = fields.DecimalField(max_digits=5, decimal_places=2, default=5)
    base_delivery_fee = fields.IntField(default=5000, description="rupiah")
    per_km_fee = fields.IntField(default=2000, description="rupiah per km")
    is_active = fields.BooleanField(default=True)
    # {"hours": [{"day": "MON", "opens": "05:00", "closes": "11:00"}, ...], "closed": [dates], "open": [dates]}
    # in WIB, as services.hours keeps it (null: no hours set)
    opening_schedule: fields.Field[dict[str, Any] | None] = fields.JSONField(
        null=True, description="weekly hours, closed dates, holidays open"
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "market"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StallStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    SUSPENDED = "SUSPENDED"


class Stall(Model):
    """A trader's stall (lapak, kios) in one market. Its market's admin approves, rejects or suspends it."""

    id = fields.IntField(primary_key=True)
    market: fields.ForeignKeyRelation[Market] = fields.ForeignKeyField(
        "models.Market", related_name="stalls", on_delete=fields.RESTRICT
    )
    market_id: int
    # Markets sit below accounts (a user belongs to a market): the trader and the reviewer are models.User,
    # referred to by name and typed as Model, so this module imports nothing of accounts.
    trader: fields.OneToOneRelation[Model] = fields.OneToOneField(
        "models.User", related_name="stall", on_delete=fields.RESTRICT
    )
    trader_id: int
    name = fields.CharField(max_length=120)
    stall_number = fields.CharField(max_length=20)
    description = fields.TextField(default="")
    status = fields.CharEnumField(StallStatus, max_length=12, default=StallStatus.PENDING, db_index=True)
    status_reason = fields.CharField(max_length=500, null=True)
    is_open = fields.BooleanField(default=False)
    # The stall's own hours (null hours: it follows its market's), as Market.opening_schedule
    opening_schedule: fields.Field[dict[str, Any] | None] = fields.JSONField(
        null=True, description="own weekly hours, closed dates, holidays open"
    )
    # What the hours last set is_open to (null: not yet): the job changes is_open only when this changes,
    # so a stall closed by hand stays closed until its next opening
    scheduled_open = fields.BooleanField(null=True)
    reviewed_by: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "models.User", related_name="reviewed_stalls", null=True, on_delete=fields.SET_NULL
    )
    reviewed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "stall"
        unique_together = (("market", "stall_number"),)

    def __str__(self) -> str:
        return f"{self.name} ({self.stall_number})"

"""Markets (pasar) and the stalls traders run in them."""

from enum import StrEnum

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

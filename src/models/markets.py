"""Markets (pasar) and the stalls traders run in them."""

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

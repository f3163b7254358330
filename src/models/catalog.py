"""The product catalog: categories (and, with the catalog issue, products and price tiers)."""

from tortoise import fields
from tortoise.models import Model


class Category(Model):
    """A shelf of the catalog: sembako, sayur, ikan, …"""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=80, unique=True)
    slug = fields.CharField(max_length=80, unique=True)
    sort_order = fields.IntField(default=0)

    class Meta:
        table = "category"
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

"""The product catalog: categories, products with their units and wholesale price tiers."""

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from src.models.markets import Stall


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


class Unit(StrEnum):
    """How a product is sold at the stall."""

    KG = "KG"
    GRAM = "GRAM"
    ONS = "ONS"  # 100 g, how chilli and shallots are often sold
    LITER = "LITER"
    IKAT = "IKAT"  # a bundle (kangkung, bayam)
    BUTIR = "BUTIR"  # one egg
    PAPAN = "PAPAN"  # a tray of eggs
    SISIR = "SISIR"  # a hand of bananas
    EKOR = "EKOR"  # a whole fish or chicken
    POTONG = "POTONG"
    BUAH = "BUAH"
    PCS = "PCS"
    PACK = "PACK"
    BUNGKUS = "BUNGKUS"
    KARUNG = "KARUNG"  # a sack (rice, 25 or 50 kg)
    LUSIN = "LUSIN"  # a dozen
    KODI = "KODI"  # twenty, for clothes
    BOTOL = "BOTOL"
    KALENG = "KALENG"
    RENTENG = "RENTENG"


class ProductStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"  # not for sale for now (the trader's morning): hidden from buyers, kept
    ARCHIVED = "ARCHIVED"


class Product(Model):
    """Something a stall sells, priced in whole rupiah per unit, with decimal quantities (0.25 kg)."""

    id = fields.IntField(primary_key=True)
    stall: fields.ForeignKeyRelation["Stall"] = fields.ForeignKeyField(
        "models.Stall", related_name="products", on_delete=fields.RESTRICT
    )
    stall_id: int
    category: fields.ForeignKeyRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="products", on_delete=fields.RESTRICT
    )
    category_id: int
    name = fields.CharField(max_length=120)
    description = fields.TextField(default="")
    unit = fields.CharEnumField(Unit, max_length=12)
    price = fields.IntField(description="rupiah per unit")
    min_quantity = fields.DecimalField(max_digits=10, decimal_places=3, default=1)
    quantity_step = fields.DecimalField(max_digits=10, decimal_places=3, default=1)
    stock = fields.DecimalField(max_digits=12, decimal_places=3, default=0)
    is_weighed = fields.BooleanField(default=False)
    status = fields.CharEnumField(ProductStatus, max_length=10, default=ProductStatus.ACTIVE)
    search_text = fields.TextField(default="", description="normalised name, category and spelling variants")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    price_tiers: fields.ReverseRelation["PriceTier"]

    class Meta:
        table = "product"
        indexes = (
            Index(fields=("stall_id", "status")),
            Index(fields=("status", "created_at")),
            Index(fields=("status", "price")),
        )

    def __str__(self) -> str:
        return self.name


class PriceTier(Model):
    """A wholesale price: from this quantity on, each unit costs this much."""

    id = fields.IntField(primary_key=True)
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="price_tiers", on_delete=fields.CASCADE
    )
    product_id: int
    min_quantity = fields.DecimalField(max_digits=10, decimal_places=3)
    price = fields.IntField(description="rupiah per unit")

    class Meta:
        table = "price_tier"
        unique_together = (("product", "min_quantity"),)
        ordering = ["min_quantity"]

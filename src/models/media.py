"""Product photos: an original in private storage and resized public variants made by a job."""

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from src.models.catalog import Product


class PhotoStatus(StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    READY = "READY"
    FAILED = "FAILED"


class ProductPhoto(Model):
    """One photo of a product. `variants` maps "THUMB.WEBP" and the like to storage keys."""

    id = fields.IntField(primary_key=True)
    product: fields.ForeignKeyRelation["Product"] = fields.ForeignKeyField(
        "models.Product", related_name="photos", on_delete=fields.CASCADE
    )
    product_id: int
    status = fields.CharEnumField(PhotoStatus, max_length=12, default=PhotoStatus.PENDING)
    position = fields.IntField(default=0)
    content_type = fields.CharField(max_length=40)
    byte_size = fields.IntField(default=0)
    original_key = fields.CharField(max_length=255)
    variants: fields.Field[dict[str, str]] = fields.JSONField(default=dict)
    width = fields.IntField(null=True)
    height = fields.IntField(null=True)
    failure_reason = fields.CharField(max_length=500, null=True, description="a message key, e.g. NOT_AN_IMAGE")
    # Set once the original is complete and processing was asked for (a direct upload is PENDING before).
    queued_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "product_photo"
        ordering = ["position", "id"]
        indexes = (Index(fields=("product_id", "status", "position")),)

"""Notifications: one per recipient and event, shown in the app and sent by email and a chat gateway."""

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from src.models.accounts import User
    from src.models.outbox import OutboxEvent


class DeliveryStatus(StrEnum):
    SKIPPED = "SKIPPED"  # the channel is off, or the user has no address on it
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"


class Notification(Model):
    """What one person is told about one event, in their language, and how each channel delivered it."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="notifications", on_delete=fields.CASCADE
    )
    user_id: int
    event: fields.ForeignKeyRelation["OutboxEvent"] = fields.ForeignKeyField(
        "models.OutboxEvent", related_name="notifications", on_delete=fields.CASCADE
    )
    event_id: int
    type = fields.CharField(max_length=40)
    language = fields.CharField(max_length=2)
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    template = fields.CharField(max_length=60)
    params: fields.Field[dict[str, object]] = fields.JSONField(default=dict)
    data: fields.Field[dict[str, object]] = fields.JSONField(default=dict)
    read_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    email_status = fields.CharEnumField(DeliveryStatus, max_length=8, default=DeliveryStatus.SKIPPED)
    email_attempts = fields.IntField(default=0)
    email_error = fields.CharField(max_length=500, null=True)
    webhook_status = fields.CharEnumField(DeliveryStatus, max_length=8, default=DeliveryStatus.SKIPPED)
    webhook_attempts = fields.IntField(default=0)
    webhook_error = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "notification"
        unique_together = (("event", "user"),)
        indexes = (Index(fields=("user_id", "read_at", "id")),)

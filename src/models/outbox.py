"""The transactional outbox: events written with the change that causes them, relayed to jobs later."""

from tortoise import fields
from tortoise.models import Model


class OutboxEvent(Model):
    """Something that happened and must reach people (notifications), committed with its cause."""

    id = fields.BigIntField(primary_key=True)
    topic = fields.CharField(max_length=60)
    payload: fields.Field[dict[str, object]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    dispatched_at = fields.DatetimeField(null=True, db_index=True)  # handed to arq
    processed_at = fields.DatetimeField(null=True)  # its notifications made and their deliveries queued

    class Meta:
        table = "outbox_event"

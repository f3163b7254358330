"""Operational records of the service itself."""

from tortoise import fields
from tortoise.models import Model


class Heartbeat(Model):
    """A round trip through the job queue: created by the API, completed by a worker."""

    id = fields.IntField(primary_key=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    processed_at = fields.DatetimeField(null=True)
    runs = fields.IntField(default=0)

    class Meta:
        table = "system_heartbeat"

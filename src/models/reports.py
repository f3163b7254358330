"""Report exports: a CSV of a market's orders over a period, written by a job to storage."""

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from src.models.accounts import User
    from src.models.markets import Market


class ExportStatus(StrEnum):
    PENDING = "PENDING"
    READY = "READY"
    FAILED = "FAILED"


class ReportExport(Model):
    """One requested export: who asked, for which market (none: the whole city) and period, and the file."""

    id = fields.IntField(primary_key=True)
    requested_by: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="report_exports", on_delete=fields.CASCADE
    )
    requested_by_id: int
    market: fields.ForeignKeyNullableRelation["Market"] = fields.ForeignKeyField(
        "models.Market", related_name="report_exports", null=True, on_delete=fields.CASCADE
    )
    market_id: int | None
    date_from = fields.DateField()
    date_to = fields.DateField()
    status = fields.CharEnumField(ExportStatus, max_length=8, default=ExportStatus.PENDING)
    storage_key = fields.CharField(max_length=200, null=True)
    row_count = fields.IntField(default=0)
    error = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "report_export"

"""Report jobs: writing a market report's CSV export to storage."""

import logging
from typing import Any

from arq import Retry

from src.services import notifications as notifications_service
from src.services import reports as reports_service
from src.storage import StorageError

log = logging.getLogger(__name__)

MAX_TRIES = 5


async def export_market_report(ctx: dict[str, Any], export_id: int) -> str | None:
    """The CSV of an export; storage faults retry with backoff, then the export is FAILED (and says why)."""
    job_try = ctx.get("job_try", 1)
    try:
        export = await reports_service.write_export(export_id=export_id, storage=ctx["storage"])
    except StorageError as exc:
        if job_try >= MAX_TRIES:
            await reports_service.fail_export(export_id=export_id, error=str(exc))
            return "FAILED"
        raise Retry(defer=float(2**job_try)) from exc
    await notifications_service.hand_over_written(ctx["redis"])
    return export.status.value if export else None

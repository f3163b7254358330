"""Report jobs: writing a market report's CSV export to storage, and the sweep for exports whose job was lost."""

from datetime import timedelta
from typing import Any

from arq import Retry

from src.jobs.final import ends_in_final_state
from src.services import reports as reports_service
from src.storage import StorageError

MAX_TRIES = 5
JOB_TIMEOUT = 900  # seconds
# Longer than every try with its backoff could take (5 × 15 min + 30 s): an export still PENDING then lost
# its job for good (worker killed on each try, the queue flushed), and its admin should know, not wait.
GIVE_UP_AFTER = timedelta(hours=2)


async def _mark_failed(ctx: dict[str, Any], export_id: int, fault: BaseException) -> None:
    reason = "EXPORT_STORAGE_UNAVAILABLE" if isinstance(fault, StorageError) else "EXPORT_FAILED"
    await reports_service.fail_export(export_id=export_id, error=reason)


@ends_in_final_state(_mark_failed, max_tries=MAX_TRIES)
async def export_market_report(ctx: dict[str, Any], export_id: int) -> str | None:
    """The CSV of an export; storage faults retry with backoff; the last try, or any other fault, ends the
    export FAILED with a reason its admin can read."""
    try:
        export = await reports_service.write_export(export_id=export_id, storage=ctx["storage"])
    except StorageError as exc:
        raise Retry(defer=float(2 ** ctx.get("job_try", 1))) from exc
    return export.status.value if export else None


async def sweep_stale_exports(ctx: dict[str, Any]) -> int:
    """Exports PENDING for longer than all their tries could take end FAILED."""
    return await reports_service.fail_stale_exports(older_than=GIVE_UP_AFTER)

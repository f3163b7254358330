"""The one ending of a job that owns a status record: whatever goes wrong, the record ends FAILED with a reason."""

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from arq import Retry
from arq.typing import WorkerCoroutine

from src.services.common import outbox

log = logging.getLogger(__name__)

R = TypeVar("R")
Job = Callable[[dict[str, Any], int], Awaitable[R]]
# Marks the job's record FAILED (unless it is final already): the context, the record's id and what went
# wrong (for a retry that ran out of tries, the fault behind it); picks the reason a person will read.
MarkFailed = Callable[[dict[str, Any], int, BaseException], Awaitable[None]]

FAILED = "FAILED"
RETRY_MARKING = 10.0  # seconds: when even marking FAILED fails (database down), the next try marks it


def ends_in_final_state(mark_failed: MarkFailed, *, max_tries: int) -> Callable[[Job[R]], WorkerCoroutine]:
    """Wrap a job `job(ctx, record_id)` so its record never stays PENDING or PROCESSING because of an error:
    a Retry stays a retry while tries remain and marks the record FAILED on the last one; any other
    exception, expected or not, marks it FAILED at once (arq would not run the job again anyway).
    Cancellation (worker shutdown) passes through: arq runs the job again, and the sweeps catch the rest."""

    def wrap(job: Job[R]) -> WorkerCoroutine:
        @functools.wraps(job)
        async def run(ctx: dict[str, Any], record_id: int) -> R | str:
            job_try = int(ctx.get("job_try", 1))
            since = outbox.mark()
            try:
                return await job(ctx, record_id)
            except Retry as retry:
                if job_try < max_tries:
                    raise
                fault: BaseException = retry.__cause__ or retry
                log.warning("%s %s: no tries left (%s), marked FAILED", job.__name__, record_id, fault)
            except Exception as exc:
                fault = exc
                log.exception("%s %s failed unexpectedly, marked FAILED", job.__name__, record_id)
            # The failed try's writes rolled back: what it noted must not be handed over by the worker's
            # hand-over, which sees this job return (FAILED), not raise.
            outbox.forget_since(since)
            try:
                await mark_failed(ctx, record_id, fault)
            except Exception as exc:
                if job_try < max_tries:
                    log.exception("%s %s: could not be marked FAILED yet", job.__name__, record_id)
                    raise Retry(defer=RETRY_MARKING) from exc
                raise
            return FAILED

        return cast(WorkerCoroutine, run)  # arq's protocol takes *args; ours takes the record's id

    return wrap

"""Order jobs: cancelling transfer and QRIS orders whose payment never came, and substitutes nobody answered."""

import logging
from datetime import timedelta
from typing import Any

from arq import Retry

from src.services import orders as orders_service

log = logging.getLogger(__name__)

SWEEP_GRACE = timedelta(seconds=30)  # a substitute's own deferred job runs first; the sweep catches lost ones


async def expire_unpaid_orders(ctx: dict[str, Any]) -> int:
    """Cancel unpaid orders past their due time and return their stock (safe to run any number of times)."""
    return await orders_service.expire_unpaid_orders()


async def expire_substitution(ctx: dict[str, Any], substitution_id: int) -> bool:
    """A substitute's time is up: unless answered meanwhile, the item leaves the order (silence is no)."""
    try:
        return await orders_service.expire_substitution(substitution_id=substitution_id)
    except Exception as exc:  # a database blip: the buyer's silence must still end the wait
        log.exception("substitution %s: not expired yet", substitution_id)
        raise Retry(defer=5) from exc


async def sweep_substitutions(ctx: dict[str, Any]) -> int:
    """Substitutes whose deferred job was lost (Redis flushed, worker gone) still expire."""
    ids = await orders_service.expired_substitution_ids(grace=SWEEP_GRACE)
    done = 0
    for substitution_id in ids:
        try:
            done += await orders_service.expire_substitution(substitution_id=substitution_id)
        except Exception:  # one stuck substitute must not stop the others; the next sweep tries again
            log.exception("substitution %s: not expired by the sweep", substitution_id)
    return done

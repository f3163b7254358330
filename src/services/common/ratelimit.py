"""Request rate limits in Redis (fixed windows), per user or per client address.

Without Redis the limits are not enforced (logged): the service stays usable, as the orders do.
"""

import logging
import math

from redis.asyncio import Redis
from redis.exceptions import RedisError

from src.services.common.errors import DomainError, ErrorCode

log = logging.getLogger(__name__)


async def hit(redis: Redis, *, action: str, who: str, limit: int, window_seconds: int) -> None:
    """Count one request; over the limit raise TOO_MANY_ATTEMPTS with the wait in minutes."""
    key = f"rate:{action}:{who}"
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window_seconds, nx=True)
            pipe.ttl(key)
            count, _, ttl = await pipe.execute()
    except RedisError as exc:
        log.warning("rate limit %s unavailable: %s", action, exc)
        return
    if int(count) > limit:
        raise DomainError(ErrorCode.TOO_MANY_ATTEMPTS, minutes=max(1, math.ceil(max(int(ttl), 1) / 60)))

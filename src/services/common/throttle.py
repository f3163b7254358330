"""Login throttling in Redis: failures counted per phone and per client address over a window."""

import logging
import math
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from src.services.common.errors import DomainError, ErrorCode

log = logging.getLogger(__name__)

# An address may fail for several phones (a shared market Wi-Fi), so it gets more room than one phone.
ADDRESS_FACTOR = 4


@dataclass(frozen=True)
class LoginThrottle:
    redis: Redis
    max_failures: int
    window_seconds: int

    def _keys(self, phone: str, address: str) -> list[tuple[str, int]]:
        return [
            (f"throttle:login:phone:{phone}", self.max_failures),
            (f"throttle:login:addr:{address}", self.max_failures * ADDRESS_FACTOR),
        ]

    async def check(self, *, phone: str, address: str) -> None:
        """Raise TOO_MANY_ATTEMPTS (with the wait) before the password is even looked at."""
        try:
            for key, limit in self._keys(phone, address):
                count = await self.redis.get(key)
                if count is not None and int(count) >= limit:
                    ttl = await self.redis.ttl(key)
                    minutes = max(1, math.ceil(max(ttl, 1) / 60))
                    raise DomainError(ErrorCode.TOO_MANY_ATTEMPTS, minutes=minutes)
        except RedisError as exc:
            # Without Redis, logins still work (argon2 keeps guessing slow); the outage is logged.
            log.warning("login throttle unavailable: %s", exc)

    async def record_failure(self, *, phone: str, address: str) -> None:
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                for key, _ in self._keys(phone, address):
                    pipe.incr(key)
                    pipe.expire(key, self.window_seconds, nx=True)
                await pipe.execute()
        except RedisError as exc:
            log.warning("login throttle unavailable: %s", exc)

    async def reset_phone(self, *, phone: str) -> None:
        try:
            await self.redis.delete(f"throttle:login:phone:{phone}")
        except RedisError as exc:
            log.warning("login throttle unavailable: %s", exc)

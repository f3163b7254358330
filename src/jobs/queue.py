"""The arq Redis client shared by the API and the worker."""

from arq.connections import ArqRedis, RedisSettings
from redis.asyncio import ConnectionPool

from src.settings import Settings


def create_queue(settings: Settings) -> ArqRedis:
    """A lazily connecting client: the API starts (and reads still work) while Redis is down."""
    pool = ConnectionPool.from_url(
        settings.effective_redis_url,
        socket_connect_timeout=1.0,
        socket_timeout=3.0,
        retry_on_timeout=False,
        health_check_interval=15,
    )
    return ArqRedis(pool)


def redis_settings(settings: Settings) -> RedisSettings:
    return RedisSettings.from_dsn(settings.effective_redis_url)

"""The arq Redis client shared by the API and the worker."""

from arq.connections import ArqRedis, RedisSettings

from src.settings import Settings


def create_queue(settings: Settings) -> ArqRedis:
    """A lazily connecting client: the API starts (and reads still work) while Redis is down."""
    # from_url makes the client own its pool, so aclose() also closes the pool's connections.
    return ArqRedis.from_url(  # type: ignore[no-any-return]
        settings.effective_redis_url,
        socket_connect_timeout=1.0,
        socket_timeout=3.0,
        retry_on_timeout=False,
        health_check_interval=15,
    )


def redis_settings(settings: Settings) -> RedisSettings:
    return RedisSettings.from_dsn(settings.effective_redis_url)

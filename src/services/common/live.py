"""Live updates for subscriptions, fanned out through Redis pub/sub so every API process hears them.

A change publishes a bare signal on a channel (`order:7`, `courier:3`) after its commit; each subscriber
then reads the current state with its own permissions. One process keeps one pub/sub connection, shared
by all its subscribers, and a subscriber's pending signals coalesce: a burst of changes costs one read.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from typing import Any

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

PREFIX = "pasar:live:"
# A Redis call made while a subscription ends or the process stops waits no longer than this: a stuck
# connection must not keep a socket (or the shutdown) waiting.
REDIS_STEP_SECONDS = 2.0


def _prefix(redis: Any) -> str:
    """Channel names carry the Redis database number: pub/sub ignores databases, and two deployments (or
    test sessions) sharing one Redis server on different databases must not hear each other's orders."""
    pool = getattr(redis, "connection_pool", None)
    database = pool.connection_kwargs.get("db", 0) if pool is not None else 0
    return f"{PREFIX}{database}:"


def order_channel(order_id: int) -> str:
    return f"order:{order_id}"


def courier_channel(courier_id: int) -> str:
    return f"courier:{courier_id}"


def user_channel(user_id: int) -> str:
    """Signalled when a user's account changes in a way their open subscriptions must check (deactivation)."""
    return f"user:{user_id}"


async def publish(redis: Any, channels: list[str]) -> None:
    """Best effort: a subscriber that misses a signal (Redis down) reads the state on its next one."""
    if not channels:
        return
    prefix = _prefix(redis)
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for channel in channels:
                pipe.publish(prefix + channel, b"1")
            await pipe.execute()
    except (RedisError, OSError) as exc:
        log.warning("live update for %s not published: %s", channels, exc)


class LiveHub:
    """One process's pub/sub connection and the local subscribers of each channel."""

    def __init__(self, redis: Any) -> None:
        self.redis = redis
        self._prefix = _prefix(redis)
        self._pubsub: Any = None
        self._listeners: dict[str, set[asyncio.Queue[None]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._closed = False

    async def listen(self, *channels: str, idle: Callable[[], float | None] | None = None) -> AsyncIterator[bool]:
        """Yields True once per change signalled on any of the channels (changes while busy coalesce into
        one), and False after `idle()` seconds without one; ends when the hub closes (process shutdown)."""
        signals: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
        added: list[str] = []
        try:
            for channel in channels:
                await self._add(channel, signals)
                added.append(channel)
            while not self._closed:
                timeout = idle() if idle is not None else None
                try:
                    await asyncio.wait_for(signals.get(), timeout)
                except TimeoutError:
                    yield False
                    continue
                if self._closed:
                    return
                yield True
        finally:
            for channel in added:
                await self._remove(channel, signals)

    async def _add(self, channel: str, signals: "asyncio.Queue[None]") -> None:
        async with self._lock:
            if self._closed:
                return
            if self._pubsub is None:
                self._pubsub = self.redis.pubsub()
            listeners = self._listeners.setdefault(channel, set())
            if not listeners:
                await self._pubsub.subscribe(self._prefix + channel)
            listeners.add(signals)
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read())

    async def _remove(self, channel: str, signals: "asyncio.Queue[None]") -> None:
        async with self._lock:
            listeners = self._listeners.get(channel, set())
            listeners.discard(signals)
            if not listeners:
                self._listeners.pop(channel, None)
                if self._closed or self._pubsub is None:
                    return  # the connection goes as a whole
                try:
                    await asyncio.wait_for(self._pubsub.unsubscribe(self._prefix + channel), REDIS_STEP_SECONDS)
                except (RedisError, OSError, TimeoutError) as exc:
                    log.warning("live updates: unsubscribing %s failed: %s", channel, exc)

    async def _read(self) -> None:
        while self._listeners:
            try:
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except (RedisError, OSError) as exc:
                # redis-py reconnects and subscribes again on the next read; wait a little before it.
                log.warning("live updates: pub/sub read failed: %s", exc)
                await asyncio.sleep(1.0)
                continue
            if not message or message.get("type") != "message":
                continue
            raw = message["channel"]
            channel = (raw.decode() if isinstance(raw, bytes) else raw).removeprefix(self._prefix)
            for signals in list(self._listeners.get(channel, ())):
                if signals.empty():
                    signals.put_nowait(None)

    async def close(self) -> None:
        """At shutdown: every listener ends (its subscription completes), and the connection closes."""
        self._closed = True
        for listeners in list(self._listeners.values()):
            for signals in listeners:
                if signals.empty():
                    signals.put_nowait(None)
        if self._reader is not None:
            self._reader.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._reader, REDIS_STEP_SECONDS)
        if self._pubsub is not None:
            try:
                await asyncio.wait_for(self._pubsub.aclose(), REDIS_STEP_SECONDS)
            except (RedisError, OSError, TimeoutError) as exc:
                log.warning("live updates: closing the pub/sub connection failed: %s", exc)

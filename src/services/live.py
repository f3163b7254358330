"""Live updates for subscriptions, fanned out through Redis pub/sub so every API process hears them.

A change publishes a bare signal on a channel (`order:7`, `courier:3`) after its commit; each subscriber
then reads the current state with its own permissions. One process keeps one pub/sub connection, shared
by all its subscribers, and a subscriber's pending signals coalesce: a burst of changes costs one read.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

PREFIX = "pasar:live:"


def order_channel(order_id: int) -> str:
    return f"order:{order_id}"


def courier_channel(courier_id: int) -> str:
    return f"courier:{courier_id}"


async def publish(redis: Any, channels: list[str]) -> None:
    """Best effort: a subscriber that misses a signal (Redis down) reads the state on its next one."""
    if not channels:
        return
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for channel in channels:
                pipe.publish(PREFIX + channel, b"1")
            await pipe.execute()
    except (RedisError, OSError) as exc:
        log.warning("live update for %s not published: %s", channels, exc)


class LiveHub:
    """One process's pub/sub connection and the local subscribers of each channel."""

    def __init__(self, redis: Any) -> None:
        self.redis = redis
        self._pubsub: Any = None
        self._listeners: dict[str, set[asyncio.Queue[None]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def listen(self, channel: str) -> AsyncIterator[None]:
        """Yields once per change signalled on the channel (changes while busy coalesce into one)."""
        signals: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
        await self._add(channel, signals)
        try:
            while True:
                await signals.get()
                yield None
        finally:
            await self._remove(channel, signals)

    async def _add(self, channel: str, signals: "asyncio.Queue[None]") -> None:
        async with self._lock:
            if self._pubsub is None:
                self._pubsub = self.redis.pubsub()
            listeners = self._listeners.setdefault(channel, set())
            if not listeners:
                await self._pubsub.subscribe(PREFIX + channel)
            listeners.add(signals)
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read())

    async def _remove(self, channel: str, signals: "asyncio.Queue[None]") -> None:
        async with self._lock:
            listeners = self._listeners.get(channel, set())
            listeners.discard(signals)
            if not listeners:
                self._listeners.pop(channel, None)
                try:
                    await self._pubsub.unsubscribe(PREFIX + channel)
                except (RedisError, OSError):
                    pass

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
            channel = (raw.decode() if isinstance(raw, bytes) else raw).removeprefix(PREFIX)
            for signals in list(self._listeners.get(channel, ())):
                if signals.empty():
                    signals.put_nowait(None)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._pubsub is not None:
            try:
                await self._pubsub.aclose()
            except (RedisError, OSError):
                pass

"""What a request (or job) changed, so that it tells the world right after its commit: the outbox events
it wrote (handed to arq) and the live channels it touched (published to subscribers).

Values are immutable and replaced on every change: a task started from this one (an arq job, a resolver
run concurrently) gets a copy of the context, and must never add to, or take from, its parent's list.

`write` is where every domain writes an event's row (`OutboxEvent`), with the change it tells of; none touches
the outbox's table itself.
"""

from contextvars import ContextVar
from typing import Any

from src.models.outbox import OutboxEvent

_written: ContextVar[tuple[int, ...]] = ContextVar("outbox_written", default=())
_touched: ContextVar[frozenset[str]] = ContextVar("live_touched", default=frozenset())


async def write(topic: str, payload: dict[str, Any]) -> int:
    """Write an event in the current transaction; its id, for `note` once the caller is sure of it."""
    event = await OutboxEvent.create(topic=topic, payload=payload)
    return event.id


def note(event_id: int) -> None:
    """Remember an event written in this request (or job)."""
    _written.set((*_written.get(), event_id))


def take() -> list[int]:
    """The events written since the last take, forgotten once taken."""
    written = _written.get()
    _written.set(())
    return list(written)


def touch(*channels: str) -> None:
    """Remember live channels (`order:7`, `courier:3`) whose subscribers must hear of this change."""
    _touched.set(_touched.get() | frozenset(channels))


def take_touched() -> list[str]:
    touched = _touched.get()
    _touched.set(frozenset())
    return sorted(touched)


Mark = tuple[tuple[int, ...], frozenset[str]]


def mark() -> Mark:
    """What has been noted and touched so far, to go back to if the work that follows is refused."""
    return _written.get(), _touched.get()


def forget_since(since: Mark) -> None:
    """Refused work rolled back its transaction: the events it noted no longer exist (and an id may be
    given again to another row), and what it touched did not change. Forget both."""
    written, touched = since
    _written.set(written)
    _touched.set(touched)


def take_since(since: Mark) -> tuple[list[int], list[str]]:
    """The events noted and the channels touched after `since`, forgotten once taken; what was noted
    before it stays (it belongs to whoever noted it)."""
    written, touched = since
    ids = [i for i in _written.get()[len(written) :]]
    channels = sorted(_touched.get() - touched)
    forget_since(since)
    return ids, channels

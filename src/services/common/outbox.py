"""What a request (or job) changed, so that it tells the world right after its commit: the outbox events
it wrote (handed to arq) and the live channels it touched (published to subscribers).

Values are immutable and replaced on every change: a task started from this one (an arq job, a resolver
run concurrently) gets a copy of the context, and must never add to, or take from, its parent's list.
"""

from contextvars import ContextVar

_written: ContextVar[tuple[int, ...]] = ContextVar("outbox_written", default=())
_touched: ContextVar[frozenset[str]] = ContextVar("live_touched", default=frozenset())


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

"""What a request (or job) changed, so that it tells the world right after its commit: the outbox events
it wrote (handed to arq) and the live channels it touched (published to subscribers)."""

from contextvars import ContextVar

_written: ContextVar[list[int] | None] = ContextVar("outbox_written", default=None)
_touched: ContextVar[set[str] | None] = ContextVar("live_touched", default=None)


def note(event_id: int) -> None:
    """Remember an event written in this request (or job)."""
    written = _written.get()
    if written is None:
        written = []
        _written.set(written)
    written.append(event_id)


def take() -> list[int]:
    """The events written since the last take, forgotten once taken."""
    written = _written.get() or []
    _written.set([])
    return written


def touch(*channels: str) -> None:
    """Remember live channels (`order:7`, `courier:3`) whose subscribers must hear of this change."""
    touched = _touched.get()
    if touched is None:
        touched = set()
        _touched.set(touched)
    touched.update(channels)


def take_touched() -> list[str]:
    touched = sorted(_touched.get() or ())
    _touched.set(set())
    return touched

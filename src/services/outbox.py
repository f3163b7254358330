"""The events a request wrote to the outbox, so that it hands over its own right after the commit."""

from contextvars import ContextVar

_written: ContextVar[list[int] | None] = ContextVar("outbox_written", default=None)


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

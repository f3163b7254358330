"""Opening hours that run themselves: every minute the worker opens and closes stalls by their hours (WIB)."""

from typing import Any

from tortoise.timezone import now

from src.services import hours


async def open_and_close_stalls(ctx: dict[str, Any]) -> dict[str, int]:
    """Apply every approved stall's hours at this moment (safe to run any number of times)."""
    applied = await hours.apply_hours(at=now())
    return {"opened": applied.opened, "closed": applied.closed}

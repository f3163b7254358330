"""Jobs that check the service itself."""

from typing import Any

from src.services import system as system_service


async def record_heartbeat(ctx: dict[str, Any], heartbeat_id: int) -> bool:
    """Complete a heartbeat queued by the API."""
    return await system_service.record_heartbeat(heartbeat_id=heartbeat_id)

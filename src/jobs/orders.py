"""Order jobs: cancelling transfer and QRIS orders whose payment never came."""

from typing import Any

from src.services import orders as orders_service


async def expire_unpaid_orders(ctx: dict[str, Any]) -> int:
    """Cancel unpaid orders past their due time and return their stock (safe to run any number of times)."""
    return await orders_service.expire_unpaid_orders()

"""Per-request dataloaders: each batches one kind of lookup into a single SQL query."""

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.dataloader import DataLoader

from src.models.markets import Market, Stall
from src.services.catalog_queries import photos_for, price_tiers_for, ready_photos_for


def _loader(load: Callable[[list[Any]], Awaitable[list[Any]]]) -> DataLoader[Any, Any]:
    return DataLoader(load_fn=load)


async def _markets(market_ids: list[int]) -> list[Market | None]:
    found = {m.id: m for m in await Market.filter(id__in=market_ids)}
    return [found.get(i) for i in market_ids]


async def _stalls_by_trader(trader_ids: list[int]) -> list[Stall | None]:
    found = {s.trader_id: s for s in await Stall.filter(trader_id__in=trader_ids)}
    return [found.get(i) for i in trader_ids]


class Loaders:
    """Made fresh for each request, so nothing is cached across users or requests."""

    def __init__(self) -> None:
        self.price_tiers_by_product = _loader(price_tiers_for)
        self.ready_photos_by_product = _loader(ready_photos_for)
        self.photos_by_product = _loader(photos_for)
        self.market_by_id = _loader(_markets)
        self.stall_by_trader = _loader(_stalls_by_trader)

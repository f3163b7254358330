"""Per-request dataloaders: each batches one kind of lookup into a single SQL query."""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from strawberry.dataloader import DataLoader

from src.models.catalog import PriceTier
from src.models.markets import Market, Stall
from src.models.media import PhotoStatus, ProductPhoto


def _grouped(rows: Iterable[dict[str, Any]], key: str, keys: list[Any]) -> list[list[dict[str, Any]]]:
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return [groups.get(k, []) for k in keys]


def _loader(load: Callable[[list[Any]], Awaitable[list[Any]]]) -> DataLoader[Any, Any]:
    return DataLoader(load_fn=load)


async def load_price_tiers(product_ids: list[int]) -> list[list[dict[str, Any]]]:
    rows = (
        await PriceTier.filter(product_id__in=product_ids)
        .order_by("min_quantity")
        .values("product_id", "min_quantity", "price")
    )
    return _grouped(rows, "product_id", product_ids)


async def load_ready_photos(product_ids: list[int]) -> list[list[dict[str, Any]]]:
    rows = (
        await ProductPhoto.filter(product_id__in=product_ids, status=PhotoStatus.READY)
        .order_by("position", "id")
        .values("id", "product_id", "status", "variants", "width", "height")
    )
    return _grouped(rows, "product_id", product_ids)


async def _markets(market_ids: list[int]) -> list[Market | None]:
    found = {m.id: m for m in await Market.filter(id__in=market_ids)}
    return [found.get(i) for i in market_ids]


async def _stalls_by_trader(trader_ids: list[int]) -> list[Stall | None]:
    found = {s.trader_id: s for s in await Stall.filter(trader_id__in=trader_ids)}
    return [found.get(i) for i in trader_ids]


class Loaders:
    """Made fresh for each request, so nothing is cached across users or requests."""

    def __init__(self) -> None:
        self.price_tiers_by_product = _loader(load_price_tiers)
        self.ready_photos_by_product = _loader(load_ready_photos)
        self.market_by_id = _loader(_markets)
        self.stall_by_trader = _loader(_stalls_by_trader)

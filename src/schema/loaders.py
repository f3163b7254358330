"""Per-request dataloaders: each batches one kind of lookup into a single SQL query."""

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.dataloader import DataLoader

from src.models.accounts import User
from src.models.delivery import DeliveryAssignment
from src.models.markets import Market, Stall
from src.models.orders import OrderEvent, OrderItem, StallOrder
from src.models.substitutions import Substitution
from src.services.catalog_queries import photos_for, price_tiers_for, ready_photos_for
from src.settings import Settings


def _loader(load: Callable[[list[Any]], Awaitable[list[Any]]]) -> DataLoader[Any, Any]:
    return DataLoader(load_fn=load)


async def _markets(market_ids: list[int]) -> list[Market | None]:
    found = {m.id: m for m in await Market.filter(id__in=market_ids)}
    return [found.get(i) for i in market_ids]


async def _users(user_ids: list[int]) -> list[User | None]:
    found = {u.id: u for u in await User.filter(id__in=user_ids)}
    return [found.get(i) for i in user_ids]


async def _stalls_by_trader(trader_ids: list[int]) -> list[Stall | None]:
    found = {s.trader_id: s for s in await Stall.filter(trader_id__in=trader_ids)}
    return [found.get(i) for i in trader_ids]


async def _stalls(stall_ids: list[int]) -> list[Stall | None]:
    found = {s.id: s for s in await Stall.filter(id__in=stall_ids)}
    return [found.get(i) for i in stall_ids]


async def _items_by_part(part_ids: list[int]) -> list[list[OrderItem]]:
    grouped: dict[int, list[OrderItem]] = {i: [] for i in part_ids}
    for item in await OrderItem.filter(stall_order_id__in=part_ids).order_by("id"):
        grouped[item.stall_order_id].append(item)
    return [grouped[i] for i in part_ids]


async def _events_by_order(order_ids: list[int]) -> list[list[OrderEvent]]:
    grouped: dict[int, list[OrderEvent]] = {i: [] for i in order_ids}
    for event in await OrderEvent.filter(order_id__in=order_ids).select_related("actor").order_by("created_at", "id"):
        grouped[event.order_id].append(event)
    return [grouped[i] for i in order_ids]


async def _deliveries(keys: list[tuple[int, bool]]) -> list[DeliveryAssignment | None]:
    """Each order's current delivery: (order id, whether a pending offer counts, as for its admins)."""
    from src.services.delivery import SHOWN, SHOWN_TO_ADMINS

    rows = await DeliveryAssignment.filter(
        order_id__in=[k[0] for k in keys], status__in=list(SHOWN_TO_ADMINS)
    ).order_by("-id")
    latest: dict[tuple[int, bool], DeliveryAssignment] = {}
    for row in rows:  # newest first: the first one of each kind wins
        latest.setdefault((row.order_id, True), row)
        if row.status in SHOWN:
            latest.setdefault((row.order_id, False), row)
    return [latest.get(k) for k in keys]


async def _live_deliveries(courier_ids: list[int]) -> list[int]:
    from src.services.delivery import live_counts

    counts = await live_counts(courier_ids)
    return [counts.get(i, 0) for i in courier_ids]


def _products(get_user: Callable[[], Awaitable[User | None]]) -> Callable[[list[int]], Awaitable[list[Any]]]:
    async def load(product_ids: list[int]) -> list[dict[str, Any] | None]:
        from src.services.catalog_queries import product_rows

        rows = await product_rows(viewer=await get_user(), ids=product_ids)
        return [rows.get(i) for i in product_ids]

    return load


def _order_views(
    get_user: Callable[[], Awaitable[User | None]], settings: Settings
) -> Callable[[list[int]], Awaitable[list[Any]]]:
    async def load(order_ids: list[int]) -> list[Any]:
        from src.services.orders import orders_for

        return await orders_for(actor=await get_user(), order_ids=order_ids, settings=settings)

    return load


async def _entries(assignments: list[DeliveryAssignment]) -> list[Any]:
    from src.services.delivery import entries_for

    return await entries_for(assignments)


async def _profiles(couriers: list[User]) -> list[Any]:
    from src.services.delivery import profiles_of

    return await profiles_of(couriers)


async def _stall_pages(keys: list[tuple[int, int | None, int]]) -> list[list[Stall]]:
    """A market's approved stalls page: (market id, after stall id, limit); first pages in two queries, later
    pages in three, however many markets."""
    from src.services import markets as markets_service

    first: dict[int, set[int]] = {}
    for market_id, after, limit in keys:
        if after is None:
            first.setdefault(limit, set()).add(market_id)
    pages: dict[tuple[int, int | None, int], list[Stall]] = {
        (market_id, None, limit): page
        for limit, market_ids in first.items()
        for market_id, page in (
            await markets_service.first_approved_stalls(market_ids=sorted(market_ids), limit=limit)
        ).items()
    }
    later = sorted({(market_id, after, limit) for market_id, after, limit in keys if after is not None})
    for key, page in (await markets_service.later_approved_stalls(later)).items():  # each follows its own cursor
        pages[key] = page
    return [pages[k] for k in keys]


async def _ratings_by_stall(stall_ids: list[int]) -> list[Any]:
    from src.services.habits import summaries_for

    return await summaries_for(stall_ids)


async def _ratings_by_part(part_ids: list[int]) -> list[Any]:
    from src.services.habits import ratings_of_parts

    return await ratings_of_parts(part_ids)


async def _payments(order_ids: list[int]) -> list[Any]:
    from src.services.payments import payments_of

    found = await payments_of(order_ids)
    return [found.get(i) for i in order_ids]


async def _refunds(order_ids: list[int]) -> list[Any]:
    from src.services.payments import refunds_of

    found = await refunds_of(order_ids)
    return [found[i] for i in order_ids]


async def _substitutions(item_ids: list[int]) -> list[Substitution | None]:
    found = {s.order_item_id: s for s in await Substitution.filter(order_item_id__in=item_ids)}
    return [found.get(i) for i in item_ids]


async def _parts(part_ids: list[int]) -> list[StallOrder | None]:
    found = {p.id: p for p in await StallOrder.filter(id__in=part_ids)}
    return [found.get(i) for i in part_ids]


async def _complaints_by_order(order_ids: list[int]) -> list[list[Any]]:
    from src.services.complaints import complaints_of_orders

    found = await complaints_of_orders(order_ids)
    return [found.get(i, []) for i in order_ids]


def _payment_settings(
    get_user: Callable[[], Awaitable[User | None]],
) -> Callable[[list[str]], Awaitable[list[Any]]]:
    async def load(scopes: list[str]) -> list[Any]:
        from src.services.payments import settings_seen_by

        seen = await settings_seen_by(await get_user(), scopes)
        return [seen.get(s) for s in scopes]

    return load


class Loaders:
    """Made fresh for each request, so nothing is cached across users or requests; the viewer's loaders read
    the request's user through `get_user`."""

    def __init__(self, get_user: Callable[[], Awaitable[User | None]], settings: Settings) -> None:
        # The viewer's products (CartLine.product): listed ones, or unlisted for who may review their stall.
        self.product_row_by_id = _loader(_products(get_user))
        # The viewer's view of an order (StallOrder.order), as orders.get_order gives it.
        self.order_view_by_id = _loader(_order_views(get_user, settings))
        # An assignment with its order and pickups, read afresh on each load: a mutation reads it after its change.
        self.entry_by_assignment: DataLoader[DeliveryAssignment, Any] = DataLoader(load_fn=_entries, cache=False)
        # Read afresh on each load too: setCourierAvailability changes it within the request.
        self.courier_profile_by_user: DataLoader[User, Any] = DataLoader(load_fn=_profiles, cache=False)
        self.price_tiers_by_product = _loader(price_tiers_for)
        self.ready_photos_by_product = _loader(ready_photos_for)
        self.photos_by_product = _loader(photos_for)
        self.market_by_id = _loader(_markets)
        self.user_by_id = _loader(_users)
        self.stall_by_trader = _loader(_stalls_by_trader)
        self.stall_by_id = _loader(_stalls)
        self.stall_page_by_market = _loader(_stall_pages)
        # A stall's rating summary, and a delivered part's rating: read afresh, rateStallOrder changes them.
        self.rating_by_stall: DataLoader[int, Any] = DataLoader(load_fn=_ratings_by_stall, cache=False)
        self.rating_by_part: DataLoader[int, Any] = DataLoader(load_fn=_ratings_by_part, cache=False)
        self.items_by_part = _loader(_items_by_part)
        self.events_by_order = _loader(_events_by_order)
        self.delivery_by_order = _loader(_deliveries)
        self.live_deliveries_by_courier = _loader(_live_deliveries)
        # Read afresh on each load: a mutation changes the payment and then returns the order.
        self.payment_by_order: DataLoader[int, Any] = DataLoader(load_fn=_payments, cache=False)
        # Each order's refunds, oldest first; afresh on each load too (a cancellation makes one, then shows the order).
        self.refunds_by_order: DataLoader[int, Any] = DataLoader(load_fn=_refunds, cache=False)
        # Payment settings by scope ("market:1", "stall:5"), as far as the viewer may see them.
        self.payment_settings_by_scope: DataLoader[str, Any] = DataLoader(
            load_fn=_payment_settings(get_user), cache=False
        )
        # A missing item's substitute, a part by id, an order's complaints: read afresh on each load, as a
        # mutation changes them and then returns the item or the order.
        self.substitution_by_item: DataLoader[int, Any] = DataLoader(load_fn=_substitutions, cache=False)
        self.part_by_id = _loader(_parts)
        self.complaints_by_order: DataLoader[int, Any] = DataLoader(load_fn=_complaints_by_order, cache=False)

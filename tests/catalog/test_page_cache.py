"""The per-process catalog page cache: public pages read once per few seconds, never a viewer's own."""

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from strawberry.relay import to_base64

from src.app import create_app
from src.models.accounts import Role
from src.models.catalog import Product
from src.models.markets import Stall
from src.services import catalog_queries
from src.settings import Settings
from tests.factories import make_market, make_product, make_stall, make_user, token_for
from tests.support.graphql import GraphQLClient
from tests.support.queries import count_queries

TTL = 1.5
PAGE = """query($filter: ProductFilterInput, $after: String, $first: Int, $sort: ProductSort) {
  products(first: $first, after: $after, filter: $filter, sort: $sort) {
    edges { node { name price { amount } stock } }
  }
}"""


@pytest.fixture
async def cached(clean_db: None, settings: Settings) -> AsyncIterator[GraphQLClient]:
    app = create_app(settings.model_copy(update={"catalog_cache_seconds": TTL}), manage_orm=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            yield GraphQLClient(http)


async def _prices(gql: GraphQLClient, variables: dict[str, object], **kwargs: object) -> list[int]:
    data = await gql(PAGE, {"first": 20, **variables}, **kwargs)
    return [edge["node"]["price"]["amount"] for edge in data["products"]["edges"]]


async def test_a_public_page_is_read_once_per_ttl_then_read_again(cached: GraphQLClient) -> None:
    market = await make_market()
    product = await make_product(await make_stall(market=market), price=10000)
    by_market = {"filter": {"marketId": to_base64("Market", market.id)}}

    with count_queries() as first:
        assert await _prices(cached, by_market) == [10000]
    await Product.filter(id=product.id).update(price=12000)
    with count_queries() as again:
        assert await _prices(cached, by_market) == [10000]  # the page as read a moment ago
    assert first.count >= 1 and again.count == 0
    with count_queries() as other:  # another page (here: another page size) is its own entry
        data = await cached(PAGE, {"first": 5, **by_market})
    assert other.count >= 1 and data["products"]["edges"][0]["node"]["price"]["amount"] == 12000

    await asyncio.sleep(TTL + 0.2)
    assert await _prices(cached, by_market) == [12000]


async def test_concurrent_requests_for_one_page_share_one_read(cached: GraphQLClient) -> None:
    markets = [await make_market(), await make_market()]
    for market in markets:
        for n in range(3):
            await make_product(await make_stall(market=market), price=1000 + n)
    first, second = ({"filter": {"marketId": to_base64("Market", market.id)}} for market in markets)
    with count_queries() as one_read:
        await _prices(cached, first)
    with count_queries() as counter:
        results = await asyncio.gather(*(_prices(cached, second) for _ in range(10)))
    assert results == [[1002, 1001, 1000]] * 10
    assert counter.count == one_read.count >= 1


async def test_a_stalls_own_view_is_never_cached(cached: GraphQLClient, settings: Settings) -> None:
    trader = await make_user(Role.TRADER)
    stall = await make_stall(trader=trader)
    product = await make_product(stall, price=5000, stock=Decimal("3"))
    own = {"filter": {"stallId": to_base64("Stall", stall.id)}}
    token = token_for(trader, settings)
    assert await _prices(cached, own, token=token) == [5000]
    await Product.filter(id=product.id).update(price=5500)
    assert await _prices(cached, own, token=token) == [5500]
    await Stall.filter(id=stall.id).update(is_open=False)
    assert await _prices(cached, own, token=token) == [5500]  # its trader still sees it, buyers do not
    assert await _prices(cached, own) == []


async def test_errors_are_not_kept(cached: GraphQLClient, monkeypatch: pytest.MonkeyPatch) -> None:
    market = await make_market()
    await make_product(await make_stall(market=market), price=7000)
    by_market = {"filter": {"marketId": to_base64("Market", market.id)}}
    real, calls = catalog_queries.list_products, []

    async def failing_once(**kwargs: Any) -> catalog_queries.ProductPage:
        calls.append(kwargs)
        if len(calls) <= 2:  # the fast path's read, then the normal resolver's (the fast path falls back)
            raise ConnectionRefusedError("database restarting")
        return await real(**kwargs)

    monkeypatch.setattr(catalog_queries, "list_products", failing_once)
    errors = await cached.errors(PAGE, {"first": 20, **by_market})
    assert errors[0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert await _prices(cached, by_market) == [7000]  # the same page, read again rather than the error
    assert len(calls) == 3


async def test_the_same_page_asked_differently_is_one_entry_and_big_pages_are_read_fresh(
    cached: GraphQLClient,
) -> None:
    market = await make_market()
    await make_product(await make_stall(market=market), price=8000)
    by_market = {"filter": {"marketId": to_base64("Market", market.id)}}
    await _prices(cached, {**by_market, "sort": "RELEVANCE"})  # without a search: newest first
    with count_queries() as same:
        assert await _prices(cached, {**by_market, "sort": "NEWEST"}) == [8000]
        await cached(PAGE, {"first": None, **by_market})  # the default page size is 20
    assert same.count == 0
    for _ in range(2):
        with count_queries() as big:
            await cached(PAGE, {"first": 60, **by_market})
        assert big.count >= 1

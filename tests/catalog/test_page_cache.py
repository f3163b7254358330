"""The per-process catalog page cache: public pages read once per few seconds, never a viewer's own."""

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from strawberry.relay import to_base64

from src.app import create_app
from src.models.accounts import Role
from src.models.catalog import Product
from src.models.markets import Stall
from src.settings import Settings
from tests.factories import make_market, make_product, make_stall, make_user, token_for
from tests.support.graphql import GraphQLClient
from tests.support.queries import count_queries

TTL = 0.5
PAGE = """query($filter: ProductFilterInput, $after: String, $first: Int) {
  products(first: $first, after: $after, filter: $filter) { edges { node { name price { amount } stock } } }
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


async def test_errors_are_not_kept(cached: GraphQLClient) -> None:
    market = await make_market()
    await make_product(await make_stall(market=market), price=7000)
    variables = {"filter": {"marketId": to_base64("Market", market.id)}, "after": "not-a-cursor"}
    for _ in range(2):
        errors = await cached.errors(PAGE, {"first": 20, **variables})
        assert errors[0]["extensions"]["code"] == "INVALID_INPUT"
    with count_queries() as counter:
        errors = await cached.errors(PAGE, {"first": 0, "filter": variables["filter"]})
    assert errors[0]["extensions"]["code"] == "INVALID_INPUT" and counter.count == 0
    assert await _prices(cached, {"filter": variables["filter"]}) == [7000]

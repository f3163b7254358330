"""The catalog fast path answers exactly what normal GraphQL execution answers, or steps aside."""

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from graphql import parse
from strawberry.relay import to_base64

from src.app import create_app
from src.models.accounts import Role
from src.models.habits import StallRatingSummary
from src.models.media import PhotoStatus, ProductPhoto
from src.schema import build_schema
from src.schema.fastpath.plan import Unsupported, compile_plan
from src.settings import Settings
from tests.factories import make_category, make_market, make_product, make_stall, make_user, token_for

FULL = """
query Catalog($first: Int, $after: String, $filter: ProductFilterInput, $sort: ProductSort, $size: PhotoSize) {
  __typename
  products(first: $first, after: $after, filter: $filter, sort: $sort) {
    __typename
    edges { __typename cursor node {
      __typename id name description unit minQuantity quantityStep stock isWeighed isArchived
      price { amount currency __typename }
      priceTiers { minQuantity price { amount } }
      category { id name slug }
      stall { id name stallNumber description status isOpen rating { average count __typename }
        market { id name address location { lat lng } openingHours deliveryRadiusKm
                 baseDeliveryFee { amount currency } perKmFee { amount } } }
      photos { id status width height url thumb: url(size: THUMB, format: JPEG) sized: url(size: $size) }
    } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
FRAGMENTS = """
fragment Price on Money { amount }
fragment Card on Product { id name price { ...Price } ... on Product { unit } }
query {
  cheap: products(first: 3, sort: PRICE_ASC) { edges { node { ...Card name stall { name } } } }
  dear: products(first: 2, sort: PRICE_DESC) { edges { node { ...Card } } pageInfo { endCursor } }
}
"""
SUPPORTED = [
    (FULL, {}),
    (FULL, {"first": 2, "sort": "PRICE_DESC", "size": "LARGE"}),
    (FULL, {"filter": {"search": "cabe", "inStock": True}}),
    (FULL, {"filter": {"minPrice": 5000, "maxPrice": 30000}, "sort": "NEWEST", "first": 3}),
    (FRAGMENTS, {}),
]
UNSUPPORTED = [
    "{ products { edges { node { stall { statusReason } } } } }",  # depends on who asks
    "{ products { edges { node { stall { market { stalls { edges { cursor } } } } } } } }",
    "{ products { edges { node { name @include(if: true) } } } }",
    "{ products { edges { cursor } } categories { name } }",
    "mutation { pingWorker { errors { code } } }",
]


@pytest.fixture
async def clients(clean_db: None, settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    fast = create_app(settings, manage_orm=False)
    slow = create_app(settings.model_copy(update={"graphql_fast_path": False}), manage_orm=False)
    async with fast.router.lifespan_context(fast), slow.router.lifespan_context(slow):
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=fast), base_url="http://t") as a,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=slow), base_url="http://t") as b,
        ):
            yield a, b


async def _catalog() -> None:
    bumbu, sayur = await make_category(name="Bumbu"), await make_category(name="Sayur")
    for market_index in range(2):
        market = await make_market(delivery_radius_km=Decimal("6.50"), per_km_fee=2500)
        for stall_index in range(2):
            stall = await make_stall(market=market, description=f"Lapak {market_index}-{stall_index}")
            if stall_index == 0:  # rated three times (4.67 stars); the other stall not yet
                await StallRatingSummary.create(stall=stall, rating_count=3, stars_total=14 - market_index)
            for i, (name, price) in enumerate([("Cabe rawit", 62000), ("Kangkung", 3000), ("Tomat", 14000)]):
                product = await make_product(
                    stall,
                    category=bumbu if i == 0 else sayur,
                    name=f"{name} {market_index}{stall_index}",
                    price=price + stall_index,
                    stock=Decimal("0.25") if i == 2 else Decimal("10"),
                    tiers=(("10", price - 1000),) if i == 0 else (),
                )
                if i != 1:
                    await ProductPhoto.create(
                        product=product,
                        status=PhotoStatus.READY,
                        content_type="image/jpeg",
                        original_key="originals/x",
                        width=640,
                        height=480,
                        variants={
                            f"{size}.{fmt}": f"photos/products/{product.id}/1/{size.lower()}.{fmt.lower()}"
                            for size in ("THUMB", "MEDIUM", "LARGE")
                            for fmt in ("WEBP", "JPEG")
                        },
                    )


async def _both(clients: tuple[httpx.AsyncClient, httpx.AsyncClient], query: str, variables: dict[str, Any]) -> Any:
    fast, slow = clients
    body = {"query": query, "variables": variables}
    a, b = (await fast.post("/graphql", json=body)).json(), (await slow.post("/graphql", json=body)).json()
    assert a == b
    # The second time the view answers a document it has seen validated without parsing it again.
    again = (await fast.post("/graphql", json=body)).json()
    assert again == b
    return a


@pytest.mark.parametrize(("query", "variables"), SUPPORTED)
async def test_supported_queries_answer_exactly_as_normal_execution(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], query: str, variables: dict[str, Any]
) -> None:
    schema = build_schema()._schema
    assert compile_plan(schema, parse(query), None) is not None
    await _catalog()
    result = await _both(clients, query, variables)
    assert "errors" not in result
    assert any(result["data"][key]["edges"] for key in result["data"] if key != "__typename")


async def test_paging_through_both_ways_gives_the_same_pages(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    await _catalog()
    after = None
    pages = 0
    while True:
        result = await _both(clients, FULL, {"first": 5, "after": after, "sort": "PRICE_ASC"})
        pages += 1
        info = result["data"]["products"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert pages == 3  # 12 products, 5 a page


async def test_errors_are_left_to_normal_execution(clients: tuple[httpx.AsyncClient, httpx.AsyncClient]) -> None:
    await _catalog()
    for variables in ({"first": 1000}, {"after": "garbage"}, {"filter": {"marketId": "bm90IGFuIGlk"}}):
        result = await _both(clients, FULL, variables)
        assert result["errors"], variables
    wrong_type = await _both(clients, FULL, {"first": "ten"})
    assert wrong_type["errors"]


async def test_viewer_dependent_results_match(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], settings: Settings
) -> None:
    market = await make_market()
    trader = await make_user(Role.TRADER)
    stall = await make_stall(trader=trader, market=market, is_open=False)
    await make_product(stall, name="Belum buka")
    fast, slow = clients
    token = token_for(trader, settings)
    for client in (fast, slow):
        client.headers["Authorization"] = f"Bearer {token}"
    result = await _both(clients, FULL, {"filter": {"stallId": to_base64("Stall", stall.id)}})
    assert [e["node"]["name"] for e in result["data"]["products"]["edges"]] == ["Belum buka"]


@pytest.mark.parametrize("query", UNSUPPORTED)
def test_unsupported_documents_fall_back(query: str) -> None:
    schema = build_schema()._schema
    with pytest.raises(Unsupported):
        compile_plan(schema, parse(query), None)


async def test_unsupported_documents_still_answer(clients: tuple[httpx.AsyncClient, httpx.AsyncClient]) -> None:
    await _catalog()
    result = await _both(clients, UNSUPPORTED[0], {})
    assert result["data"]["products"]["edges"][0]["node"]["stall"] == {"statusReason": None}

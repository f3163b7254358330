"""The API app for bench/catalog.py, plus a "ceiling" endpoint: the same catalog page without GraphQL.

`uvicorn bench.catalog_server:create_app --factory` serves everything `src.app:create_app` serves and
`GET /bench/ceiling?market=<market pk>&first=50`, which answers the benchmark's GraphQL query for the
same page with the same JSON (same shape, ids, cursors and URLs), built from raw rows fetched with
asyncpg through Tortoise's connection and encoded with orjson: what a hand-written endpoint costs, to
compare GraphQL against. Nothing in src/ knows about this route.
"""

from collections import defaultdict
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.relay import to_base64
from tortoise.connection import get_connection

from src.app import create_app as create_api_app
from src.services.catalog_queries import MAX_PAGE, ProductSort, encode_cursor
from src.services.common.i18n import plain  # a quantity as the API prints it: "0.25", "10"
from src.storage import Storage

Row = dict[str, Any]
# The page as the GraphQL path selects it (visible products of one market, newest first), with the
# market's name joined in so no fourth query is needed.
PAGE_SQL = """
SELECT p.id, p.name, p.unit, p.price, p.min_quantity, p.quantity_step, p.stock, p.is_weighed,
       s.id AS stall_id, s.name AS stall_name, s.stall_number,
       m.id AS market_id, m.name AS market_name,
       c.id AS category_id, c.name AS category_name
FROM product p
JOIN stall s ON s.id = p.stall_id
JOIN market m ON m.id = s.market_id
JOIN category c ON c.id = p.category_id
WHERE p.status = 'ACTIVE' AND s.status = 'APPROVED' AND s.is_open AND m.is_active AND m.id = $1
ORDER BY p.id DESC
LIMIT $2
"""
TIERS_SQL = """
SELECT product_id, min_quantity, price FROM price_tier
WHERE product_id = ANY($1::int[])
ORDER BY product_id, min_quantity
"""
THUMBS_SQL = """
SELECT product_id, variants->>'THUMB.WEBP' AS thumb FROM product_photo
WHERE product_id = ANY($1::int[]) AND status = 'READY'
ORDER BY position, id
"""


def _edge(row: Row, tiers: list[Row], thumbs: list[str | None], storage: Storage) -> Row:
    market = {"id": to_base64("Market", row["market_id"]), "name": row["market_name"]}
    node = {
        "id": to_base64("Product", row["id"]),
        "name": row["name"],
        "unit": row["unit"],
        "price": {"amount": row["price"], "currency": "IDR"},
        "minQuantity": plain(row["min_quantity"]),
        "quantityStep": plain(row["quantity_step"]),
        "stock": plain(row["stock"]),
        "isWeighed": row["is_weighed"],
        "stall": {
            "id": to_base64("Stall", row["stall_id"]),
            "name": row["stall_name"],
            "stallNumber": row["stall_number"],
            "market": market,
        },
        "category": {"id": to_base64("Category", row["category_id"]), "name": row["category_name"]},
        "priceTiers": [{"minQuantity": plain(t["min_quantity"]), "price": {"amount": t["price"]}} for t in tiers],
        "photos": [{"url": storage.public_url(key) if key else None} for key in thumbs],
    }
    return {"cursor": encode_cursor(ProductSort.NEWEST, row), "node": node}


async def ceiling(request: Request) -> Response:
    """The benchmark's catalog page for one market, without GraphQL: three queries, one orjson.dumps."""
    market_id, first = int(request.query_params["market"]), min(int(request.query_params["first"]), MAX_PAGE)
    connection = get_connection("default")
    rows = await connection.execute_query_dict(PAGE_SQL, [market_id, first + 1])
    page, ids = rows[:first], [row["id"] for row in rows[:first]]
    tiers: dict[int, list[Row]] = defaultdict(list)
    thumbs: dict[int, list[str | None]] = defaultdict(list)
    if ids:
        for tier in await connection.execute_query_dict(TIERS_SQL, [ids]):
            tiers[tier["product_id"]].append(tier)
        for photo in await connection.execute_query_dict(THUMBS_SQL, [ids]):
            thumbs[photo["product_id"]].append(photo["thumb"])
    storage: Storage = request.app.state.resources.storage
    edges = [_edge(row, tiers[row["id"]], thumbs[row["id"]], storage) for row in page]
    page_info = {"hasNextPage": len(rows) > first, "endCursor": edges[-1]["cursor"] if edges else None}
    body = {"data": {"products": {"edges": edges, "pageInfo": page_info}}}
    return Response(orjson.dumps(body), media_type="application/json")


def create_app() -> Starlette:
    """The service's app (settings from the environment) with /bench/ceiling added."""
    app = create_api_app()
    app.router.routes.append(Route("/bench/ceiling", ceiling, methods=["GET"]))
    return app

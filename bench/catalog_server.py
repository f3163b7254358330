"""The API app for bench/catalog.py, plus a "ceiling" endpoint: the same catalog page without GraphQL.

`uvicorn bench.catalog_server:create_app --factory` serves everything `src.app:create_app` serves and
`GET /bench/ceiling?market=<market pk>&first=50`, which answers the benchmark's GraphQL query for the
same page with the same JSON (same shape, ids, cursors and URLs), built from raw rows fetched with
asyncpg through Tortoise's connection and encoded with orjson: what a hand-written endpoint costs, to
compare GraphQL against. Nothing in src/ knows about this route.
"""

import base64
from collections import defaultdict
from decimal import Decimal
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from tortoise.connection import get_connection

from src.app import create_app as create_api_app
from src.services.catalog_queries import MAX_PAGE, ProductSort, encode_cursor
from src.storage import Storage

CURRENCY = "IDR"

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


def global_id(type_name: str, pk: int) -> str:
    """Strawberry's relay global id: base64 of "Type:pk"."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def quantity(value: Decimal) -> str:
    """A Decimal as the API prints it: "0.25", "10" (see src.schema.scalars.decimal_value)."""
    return format(value.normalize(), "f")


def _node(
    row: dict[str, Any], tiers: list[dict[str, Any]], thumbs: list[str | None], storage: Storage
) -> dict[str, Any]:
    return {
        "id": global_id("Product", row["id"]),
        "name": row["name"],
        "unit": row["unit"],
        "price": {"amount": row["price"], "currency": CURRENCY},
        "minQuantity": quantity(row["min_quantity"]),
        "quantityStep": quantity(row["quantity_step"]),
        "stock": quantity(row["stock"]),
        "isWeighed": row["is_weighed"],
        "stall": {
            "id": global_id("Stall", row["stall_id"]),
            "name": row["stall_name"],
            "stallNumber": row["stall_number"],
            "market": {"id": global_id("Market", row["market_id"]), "name": row["market_name"]},
        },
        "category": {"id": global_id("Category", row["category_id"]), "name": row["category_name"]},
        "priceTiers": [{"minQuantity": quantity(t["min_quantity"]), "price": {"amount": t["price"]}} for t in tiers],
        "photos": [{"url": storage.public_url(key) if key else None} for key in thumbs],
    }


async def ceiling(request: Request) -> Response:
    """The benchmark's catalog page for one market, without GraphQL: three queries, one orjson.dumps."""
    try:
        market_id = int(request.query_params["market"])
        first = int(request.query_params.get("first", "50"))
    except (KeyError, ValueError):
        return PlainTextResponse("market=<int> and first=<int> expected", status_code=400)
    if not 1 <= first <= MAX_PAGE:
        return PlainTextResponse(f"first must be 1..{MAX_PAGE}", status_code=400)

    connection = get_connection("default")
    rows = await connection.execute_query_dict(PAGE_SQL, [market_id, first + 1])
    page, has_next_page = rows[:first], len(rows) > first
    ids = [row["id"] for row in page]
    tiers: dict[int, list[dict[str, Any]]] = defaultdict(list)
    thumbs: dict[int, list[str | None]] = defaultdict(list)
    if ids:
        for tier in await connection.execute_query_dict(TIERS_SQL, [ids]):
            tiers[tier["product_id"]].append(tier)
        for photo in await connection.execute_query_dict(THUMBS_SQL, [ids]):
            thumbs[photo["product_id"]].append(photo["thumb"])

    storage: Storage = request.app.state.resources.storage
    edges = [
        {
            "cursor": encode_cursor(ProductSort.NEWEST, row),
            "node": _node(row, tiers.get(row["id"], []), thumbs.get(row["id"], []), storage),
        }
        for row in page
    ]
    body = {
        "data": {
            "products": {
                "edges": edges,
                "pageInfo": {"hasNextPage": has_next_page, "endCursor": edges[-1]["cursor"] if edges else None},
            }
        }
    }
    return Response(orjson.dumps(body), media_type="application/json")


def create_app() -> Starlette:
    """The service's app (settings from the environment) with /bench/ceiling added."""
    app = create_api_app()
    app.router.routes.append(Route("/bench/ceiling", ceiling, methods=["GET"]))
    return app

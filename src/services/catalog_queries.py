"""Reading the catalog: one SQL query for a page of products with their stall, market and category.

The catalog is the hottest path of the service (every buyer, every morning), so it reads plain rows
with keyset pagination instead of model instances and OFFSET: cursors stay valid while products are
added, re-priced or sold out, and a page costs the same at the thousandth product as at the first.
"""

import base64
import binascii
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

import orjson
from async_lru import alru_cache
from tortoise.connection import get_connection

from src.models.accounts import User
from src.models.catalog import ProductStatus
from src.models.markets import Stall, StallStatus
from src.models.media import PhotoStatus
from src.services import markets as markets_service
from src.services import search
from src.services.common.errors import DomainError, ErrorCode
from src.services.common.sql import Sql
from src.services.permissions import may_review

DEFAULT_PAGE = 20
MAX_PAGE = 100


class ProductSort(Enum):
    RELEVANCE = "RELEVANCE"
    NEWEST = "NEWEST"
    PRICE_ASC = "PRICE_ASC"
    PRICE_DESC = "PRICE_DESC"


@dataclass(frozen=True)
class ProductFilter:
    market_id: int | None = None
    stall_id: int | None = None
    category_id: int | None = None
    search: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool | None = None


@dataclass(frozen=True)
class ProductPage:
    rows: list[dict[str, Any]]
    has_next_page: bool
    sort: ProductSort

    def cursor(self, row: dict[str, Any]) -> str:
        return encode_cursor(self.sort, row)


_COLUMNS = """
    p.id, p.name, p.description, p.unit, p.price, p.min_quantity, p.quantity_step, p.stock,
    p.is_weighed, p.status, p.created_at,
    c.id AS category_id, c.name AS category_name, c.slug AS category_slug,
    s.id AS stall_id, s.name AS stall_name, s.stall_number, s.status AS stall_status, s.is_open AS stall_is_open,
    s.description AS stall_description, s.trader_id AS stall_trader_id, s.opening_schedule AS stall_schedule,
    m.id AS market_id, m.name AS market_name, m.address AS market_address, m.latitude AS market_latitude,
    m.longitude AS market_longitude, m.opening_hours AS market_opening_hours,
    m.delivery_radius_km AS market_delivery_radius_km, m.base_delivery_fee AS market_base_delivery_fee,
    m.per_km_fee AS market_per_km_fee, m.is_active AS market_is_active, m.opening_schedule AS market_schedule,
    COALESCE(sr.rating_count, 0) AS stall_rating_count, COALESCE(sr.stars_total, 0) AS stall_stars_total
"""
# The stall's rating comes from its one summary row (src/services/habits/ratings.py), not from its ratings.
_FROM = """
    FROM product p
    JOIN stall s ON s.id = p.stall_id
    JOIN market m ON m.id = s.market_id
    JOIN category c ON c.id = p.category_id
    LEFT JOIN stall_rating_summary sr ON sr.stall_id = s.id
"""


def encode_cursor(sort: ProductSort, row: dict[str, Any]) -> str:
    key: Any = {
        ProductSort.PRICE_ASC: row["price"],
        ProductSort.PRICE_DESC: row["price"],
        ProductSort.RELEVANCE: row.get("score"),
        ProductSort.NEWEST: None,
    }[sort]
    raw = orjson.dumps([sort.value, key, row["id"]])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: ProductSort) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        sort_name, key, row_id = orjson.loads(base64.urlsafe_b64decode(padded))
        if sort_name != sort.value or not isinstance(row_id, int) or not 0 < row_id < 2**31:
            raise ValueError(sort_name)
        if sort in (ProductSort.PRICE_ASC, ProductSort.PRICE_DESC) and not (isinstance(key, int) and 0 <= key < 2**31):
            raise ValueError(key)
        if key is not None and not isinstance(key, int | float):
            raise ValueError(key)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise DomainError(ErrorCode.INVALID_INPUT, field="after") from exc
    return key, row_id


def page_size(first: int | None) -> int:
    size = DEFAULT_PAGE if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise DomainError(ErrorCode.INVALID_INPUT, field="first", message_key="PAGE_SIZE", max=MAX_PAGE)
    return size


async def _may_see_unlisted(viewer: User | None, stall_id: int | None) -> bool:
    if viewer is None or stall_id is None:
        return False
    stall = await markets_service.stall_or_none(stall_id=stall_id)
    return stall is not None and may_review(viewer, stall)


def is_shown(row: dict[str, Any]) -> bool:
    """What buyers see on a product's page: an active product of an approved stall, open or closed (the page
    says which), in an active market."""
    return (
        row["status"] == ProductStatus.ACTIVE.value
        and row["stall_status"] == StallStatus.APPROVED.value
        and bool(row["market_is_active"])
    )


async def list_products(
    *,
    viewer: User | None,
    filters: ProductFilter,
    sort: ProductSort,
    first: int | None,
    after: str | None,
    with_details: bool = False,
) -> ProductPage:
    """A page of the catalog as rows, visible to this viewer, in a stable order.

    With details, each row also carries its "tiers" and "photos" (as price_tiers_for and
    ready_photos_for give them): on PostgreSQL in the same statement, elsewhere in two more queries.
    """
    limit = page_size(first)
    connection = get_connection("default")
    sql = Sql(connection.capabilities.dialect)
    where = [f"p.status = {sql.param(ProductStatus.ACTIVE.value)}"]
    if not await _may_see_unlisted(viewer, filters.stall_id):
        where += [
            f"s.status = {sql.param(StallStatus.APPROVED.value)}",
            f"s.is_open = {sql.param(True)}",
            f"m.is_active = {sql.param(True)}",
        ]
    for column, value in (
        ("m.id", filters.market_id),
        ("s.id", filters.stall_id),
        ("c.id", filters.category_id),
    ):
        if value is not None:
            where.append(f"{column} = {sql.param(value)}")
    if filters.market_id is not None and filters.stall_id is None and filters.search and sql.postgres:
        # On the product rows themselves, so a search computes word similarity for the market's products
        # only (through the stall_id index), not for every product of the city.
        market = sql.param(filters.market_id)
        where.append(f"p.stall_id = ANY(ARRAY(SELECT id FROM stall WHERE market_id = {market}))")  # noqa: S608
    if filters.min_price is not None:
        where.append(f"p.price >= {sql.param(filters.min_price)}")
    if filters.max_price is not None:
        where.append(f"p.price <= {sql.param(filters.max_price)}")
    if filters.in_stock:
        stock = sql.number("p.stock")
        where.append(f"{stock} > 0 AND {stock} >= {sql.number('p.min_quantity')}")

    terms = search.query_terms(filters.search or "")
    score = None
    for term in terms:
        like = sql.param(f"%{term}%")
        if sql.postgres:
            # Substring for partial words (the trigram GIN index serves ILIKE), word similarity for typos.
            # word_similarity(term, text) >= the session's pg_trgm.word_similarity_threshold (src/db.py)
            similar = f"{sql.param(term)} <% p.search_text"
            where.append(f"(p.search_text ILIKE {like} OR {similar})")
        else:
            where.append(f"p.search_text LIKE {like}")
    if terms and sql.postgres and sort is ProductSort.RELEVANCE:  # a parameter only where the query uses it
        score = f"word_similarity({sql.param(' '.join(terms))}, p.search_text)"
    if sort is ProductSort.RELEVANCE and score is None:
        sort = ProductSort.NEWEST  # without a search (or on SQLite) relevance means newest first
    after_key = decode_cursor(after, sort) if after else None

    order, keyset = _ordering(sort, score, after_key, sql)
    if keyset:
        where.append(keyset)
    select_score = f", ROUND(({score})::numeric, 6)::float AS score" if score and sort is ProductSort.RELEVANCE else ""
    query = (
        f"SELECT {_COLUMNS}{select_score} {_FROM} WHERE {' AND '.join(where)} "
        f"ORDER BY {order} LIMIT {sql.param(limit + 1)}"
    )
    details = with_details and sql.postgres
    if details:
        # The page first, then its details: subqueries in the inner SELECT would run for every
        # matching row before the sort and the LIMIT.
        query = f"SELECT page.*{_details_columns(sql)} FROM ({query}) AS page ORDER BY {_OUTER_ORDER[sort]}"  # noqa: S608
    fetched = await connection.execute_query_dict(query, sql.params)
    rows = fetched[:limit]
    if with_details:
        if details:
            _unpack_details(rows)
        else:
            ids = [row["id"] for row in rows]
            for row, tiers, photos in zip(rows, await price_tiers_for(ids), await ready_photos_for(ids), strict=True):
                row["tiers"], row["photos"] = tiers, photos
    return ProductPage(rows=rows, has_next_page=len(fetched) > limit, sort=sort)


class PublicPages:
    """Catalog pages as every buyer sees them, shared by one process's requests for a few seconds.

    At opening time thousands of buyers ask for the same first pages of their market; each of those
    pages is read once per `seconds` per API process, and requests arriving while it is being read wait
    for that one read instead of starting their own. Prices and stock shown may be that many seconds
    old (an order uses the current price and checks the stock). Errors are never kept. Pages that depend
    on who asks (a stall's own products, with the unlisted ones for its trader and admins) are not served
    from here, nor pages of more than CACHED_PAGE_MAX products: with at most `maxsize` pages kept, the
    memory stays bounded whatever a client asks for.
    """

    def __init__(self, seconds: float, maxsize: int = 256) -> None:
        self.seconds = seconds
        self._pages = alru_cache(maxsize=maxsize, ttl=seconds)(_public_page) if seconds > 0 else None

    async def page(
        self, filters: ProductFilter, sort: ProductSort, first: int | None, after: str | None
    ) -> ProductPage:
        if filters.stall_id is not None:
            raise ValueError("a stall's pages depend on the viewer: use list_products")
        limit = page_size(first)
        if sort is ProductSort.RELEVANCE and not search.query_terms(filters.search or ""):
            sort = ProductSort.NEWEST  # what list_products answers: one page, one entry
        if self._pages is None or limit > CACHED_PAGE_MAX:
            return await _public_page(filters, sort, limit, after)
        return await self._pages(filters, sort, limit, after)


CACHED_PAGE_MAX = 50


async def _public_page(filters: ProductFilter, sort: ProductSort, first: int, after: str | None) -> ProductPage:
    return await list_products(viewer=None, filters=filters, sort=sort, first=first, after=after, with_details=True)


# The same order as _ordering, on the columns of the page.
_OUTER_ORDER = {
    ProductSort.PRICE_ASC: "page.price ASC, page.id ASC",
    ProductSort.PRICE_DESC: "page.price DESC, page.id DESC",
    ProductSort.RELEVANCE: "page.score DESC, page.id DESC",
    ProductSort.NEWEST: "page.id DESC",
}


def _details_columns(sql: Sql) -> str:
    """Tiers and ready photos as JSON arrays, computed for the page's rows only (after the LIMIT)."""
    ready = sql.param(PhotoStatus.READY.value)
    # Constants only: the status is a bound parameter.
    return f"""
    , (SELECT COALESCE(json_agg(json_build_array(t.min_quantity::text, t.price) ORDER BY t.min_quantity), '[]')
       FROM price_tier t WHERE t.product_id = page.id) AS tiers_json
    , (SELECT COALESCE(json_agg(json_build_array(ph.id, ph.status, ph.variants, ph.width, ph.height)
                                ORDER BY ph.position, ph.id), '[]')
       FROM product_photo ph WHERE ph.product_id = page.id AND ph.status = {ready}) AS photos_json
    """  # noqa: S608


def _unpack_details(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        product_id = row["id"]
        row["tiers"] = [
            {"product_id": product_id, "min_quantity": Decimal(quantity), "price": price}
            for quantity, price in orjson.loads(row.pop("tiers_json"))
        ]
        row["photos"] = [
            {"id": photo_id, "product_id": product_id, "status": status, "variants": variants, "width": w, "height": h}
            for photo_id, status, variants, w, h in orjson.loads(row.pop("photos_json"))
        ]


def _ordering(sort: ProductSort, score: str | None, after: tuple[Any, int] | None, sql: Sql) -> tuple[str, str]:
    """ORDER BY and the keyset condition that continues after a cursor (ties broken by id)."""
    if sort is ProductSort.PRICE_ASC:
        order, column, op = "p.price ASC, p.id ASC", "p.price", ">"
    elif sort is ProductSort.PRICE_DESC:
        order, column, op = "p.price DESC, p.id DESC", "p.price", "<"
    elif sort is ProductSort.RELEVANCE and score:
        column = f"ROUND(({score})::numeric, 6)::float"
        order, op = f"{column} DESC, p.id DESC", "<"
    else:
        return "p.id DESC", (f"p.id < {sql.param(after[1])}" if after else "")
    if after is None:
        return order, ""
    key, row_id = after
    if key is None:
        raise DomainError(ErrorCode.INVALID_INPUT, field="after")
    first_value, second_value, id_value = sql.param(key), sql.param(key), sql.param(row_id)
    id_op = ">" if op == ">" else "<"
    return order, f"({column} {op} {first_value} OR ({column} = {second_value} AND p.id {id_op} {id_value}))"


async def product_rows(*, viewer: User | None, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Products by id with the same columns as a page: those buyers see (a closed stall's too), the others only
    for who may review their stall."""
    if not ids:
        return {}
    connection = get_connection("default")
    sql = Sql(connection.capabilities.dialect)
    placeholders = ", ".join(sql.param(i) for i in ids)
    rows = await connection.execute_query_dict(f"SELECT {_COLUMNS} {_FROM} WHERE p.id IN ({placeholders})", sql.params)
    return {
        row["id"]: row
        for row in rows
        if is_shown(row)
        or may_review(viewer, Stall(id=row["stall_id"], market_id=row["market_id"], trader_id=row["stall_trader_id"]))
    }


async def _rows_for_products(
    columns: str, table: str, ids: list[int], extra: str = "", *extra_params: Any
) -> list[Any]:
    connection = get_connection("default")
    sql = Sql(connection.capabilities.dialect)
    # One array parameter on PostgreSQL (one statement text whatever the page size); a list on SQLite.
    matches = f"= ANY({sql.param(ids)}::int[])" if sql.postgres else f"IN ({', '.join(sql.param(i) for i in ids)})"
    condition = extra.format(*(sql.param(p) for p in extra_params))
    # Only constants are formatted in; every value is a bound parameter.
    query = f"SELECT {columns} FROM {table} WHERE product_id {matches} {condition}"  # noqa: S608
    return await connection.execute_query_dict(query, sql.params)


def _grouped(rows: list[dict[str, Any]], ids: list[int]) -> list[list[dict[str, Any]]]:
    groups: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for row in rows:
        groups[row["product_id"]].append(row)
    return [groups[i] for i in ids]


async def price_tiers_for(ids: list[int]) -> list[list[dict[str, Any]]]:
    """Each product's wholesale tiers by ascending quantity, in the order of `ids` (one query)."""
    if not ids:
        return []
    rows = await _rows_for_products("product_id, min_quantity, price", "price_tier", ids)
    # Sorted here: SQLite would order the decimal text as text ("10" before "5").
    rows.sort(key=lambda row: Decimal(str(row["min_quantity"])))
    return _grouped(rows, ids)


async def ready_photos_for(ids: list[int]) -> list[list[dict[str, Any]]]:
    """Each product's READY photos in display order, in the order of `ids` (one query)."""
    return await _photos_for(ids, "AND status = {} ORDER BY product_id, position, id", PhotoStatus.READY.value)


async def photos_for(ids: list[int]) -> list[list[dict[str, Any]]]:
    """Each product's photos whatever their status (for its trader), in display order."""
    return await _photos_for(ids, "ORDER BY product_id, position, id")


async def _photos_for(ids: list[int], condition: str, *params: Any) -> list[list[dict[str, Any]]]:
    if not ids:
        return []
    columns = "id, product_id, status, variants, width, height, failure_reason"
    rows = await _rows_for_products(columns, "product_photo", ids, condition, *params)
    for row in rows:
        if isinstance(row["variants"], str):  # JSON text on SQLite (and without a codec on PostgreSQL)
            row["variants"] = orjson.loads(row["variants"])
    return _grouped(rows, ids)

"""What the fast path knows: for each GraphQL type it answers, a Python expression per field over the page's rows."""

from binascii import b2a_base64
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from src.models.catalog import ProductStatus
from src.schema import hours
from src.schema.photos import variant_url
from src.schema.scalars import CURRENCY, decimal_value
from src.services.habits import average_stars


@dataclass(frozen=True)
class Row:
    """A product row with its page, tiers and photos: what every getter below the edge reads."""

    data: dict[str, Any]
    tiers: list[dict[str, Any]]
    photos: list[dict[str, Any]]


def _decimal(value: Any) -> str:
    # Same text as the Decimal scalar gives for decimal_value(value); PostgreSQL's numeric(…, 3) comes as
    # a plain Decimal like 0.250, whose trailing zeros can simply be cut.
    if isinstance(value, Decimal):
        text = str(value)
        if "E" not in text:
            return text.rstrip("0").rstrip(".") if "." in text else text
    return str(decimal_value(value))


def _thumbnail(photos: list[dict[str, Any]], args: dict[str, Any], context: Any) -> str | None:
    return _photo_url(photos[0], args, context) if photos else None


def _global_id(type_name: str, node_id: int) -> str:
    # strawberry.relay.to_base64 without its type checks: this runs for every id of every page.
    return b2a_base64(f"{type_name}:{node_id}".encode(), newline=False).decode()


def _next_opening(row: dict[str, Any]) -> str | None:
    moment = hours.next_opening(
        row["stall_status"], row["stall_is_open"], row["stall_schedule"], row["market_schedule"]
    )
    return moment.isoformat() if moment is not None else None


def _dates(raw: Any, key: str, market_raw: Any = None) -> list[str]:
    return [d.isoformat() for d in hours.upcoming(raw, key, market_raw)]


def _photo_url(photo: dict[str, Any], args: dict[str, Any], context: Any) -> str | None:
    return variant_url(photo["variants"] or {}, args["size"], args["format"], context.storage)


@dataclass(frozen=True)
class Getter:
    """A Python expression for a field's value: `v` is the parent value, `ctx` the context and ARGS the
    field's coerced arguments. `child` names the field's object type (None for a leaf)."""

    expression: str
    child: str | None = None
    is_list: bool = False


# For each GraphQL type, the fields the fast path answers (`__typename` is answered for every type).
TYPES: dict[str, dict[str, Getter]] = {
    "ProductConnection": {
        "edges": Getter("v.edges", "ProductEdge", is_list=True),
        "pageInfo": Getter("v", "PageInfo"),
    },
    "PageInfo": {
        "hasNextPage": Getter("v.has_next_page"),
        "hasPreviousPage": Getter("v.has_previous_page"),
        "startCursor": Getter("(v.edges[0].cursor if v.edges else None)"),
        "endCursor": Getter("(v.edges[-1].cursor if v.edges else None)"),
    },
    "ProductEdge": {
        "cursor": Getter("v.cursor"),
        "node": Getter("v.row", "Product"),
    },
    "Product": {
        "id": Getter("to_base64('Product', v.data['id'])"),
        "name": Getter("v.data['name']"),
        "description": Getter("v.data['description']"),
        "unit": Getter("v.data['unit']"),
        "price": Getter("v.data['price']", "Money"),
        "minQuantity": Getter("decimal(v.data['min_quantity'])"),
        "quantityStep": Getter("decimal(v.data['quantity_step'])"),
        "stock": Getter("decimal(v.data['stock'])"),
        "isWeighed": Getter("bool(v.data['is_weighed'])"),
        "isArchived": Getter("(v.data['status'] == ARCHIVED)"),
        "isActive": Getter("(v.data['status'] == ACTIVE)"),
        "category": Getter("v.data", "Category"),
        "stall": Getter("v.data", "Stall"),
        "priceTiers": Getter("v.tiers", "PriceTier", is_list=True),
        "photos": Getter("v.photos", "ProductPhoto", is_list=True),
        "thumbnail": Getter("thumbnail(v.photos, ARGS, ctx)"),
    },
    "Money": {
        "amount": Getter("v"),
        "currency": Getter("CURRENCY"),
    },
    "Category": {
        "id": Getter("to_base64('Category', v['category_id'])"),
        "name": Getter("v['category_name']"),
        "slug": Getter("v['category_slug']"),
    },
    "Stall": {
        "id": Getter("to_base64('Stall', v['stall_id'])"),
        "name": Getter("v['stall_name']"),
        "stallNumber": Getter("v['stall_number']"),
        "description": Getter("v['stall_description']"),
        "status": Getter("v['stall_status']"),
        "isOpen": Getter("bool(v['stall_is_open'])"),
        "market": Getter("v", "Market"),
        "openNow": Getter("open_now(v['stall_status'], v['stall_is_open'])"),
        "nextOpening": Getter("next_opening(v)"),
        "hours": Getter("stall_hours(v['stall_schedule'], v['market_schedule'])", "OpeningHours", is_list=True),
        "hoursFromMarket": Getter("(not weekly_hours(v['stall_schedule']))"),
        "closedDates": Getter("dates(v['stall_schedule'], 'closed', v['market_schedule'])"),
        "openDates": Getter("dates(v['stall_schedule'], 'open', v['market_schedule'])"),
        "rating": Getter("v", "StallRating"),
    },
    "OpeningHours": {
        "day": Getter("v.day.value"),
        "opens": Getter("v.opens"),
        "closes": Getter("v.closes"),
    },
    "StallRating": {
        "average": Getter("average_stars(v['stall_rating_count'], v['stall_stars_total'])"),
        "count": Getter("v['stall_rating_count']"),
    },
    "Market": {
        "id": Getter("to_base64('Market', v['market_id'])"),
        "name": Getter("v['market_name']"),
        "address": Getter("v['market_address']"),
        "location": Getter("v", "Location"),
        "openingHours": Getter("v['market_opening_hours']"),
        "deliveryRadiusKm": Getter("decimal(v['market_delivery_radius_km'])"),
        "baseDeliveryFee": Getter("v['market_base_delivery_fee']", "Money"),
        "perKmFee": Getter("v['market_per_km_fee']", "Money"),
        "hours": Getter("weekly_hours(v['market_schedule'])", "OpeningHours", is_list=True),
        "closedDates": Getter("dates(v['market_schedule'], 'closed')"),
        "openDates": Getter("dates(v['market_schedule'], 'open')"),
    },
    "Location": {
        "lat": Getter("float(v['market_latitude'])"),
        "lng": Getter("float(v['market_longitude'])"),
    },
    "PriceTier": {
        "minQuantity": Getter("decimal(v['min_quantity'])"),
        "price": Getter("v['price']", "Money"),
    },
    "ProductPhoto": {
        "id": Getter("to_base64('ProductPhoto', v['id'])"),
        "status": Getter("v['status']"),
        "width": Getter("v['width']"),
        "height": Getter("v['height']"),
        "url": Getter("photo_url(v, ARGS, ctx)"),
    },
}

# The names generated code may use, and nothing else.
NAMESPACE: dict[str, Any] = {
    "__builtins__": {"bool": bool, "float": float},
    "to_base64": _global_id,
    "decimal": _decimal,
    "photo_url": _photo_url,
    "thumbnail": _thumbnail,
    "open_now": hours.open_now,
    "next_opening": _next_opening,
    "stall_hours": hours.stall_hours,
    "weekly_hours": hours.weekly_hours,
    "dates": _dates,
    "average_stars": average_stars,
    "CURRENCY": CURRENCY,
    "ARCHIVED": ProductStatus.ARCHIVED.value,
    "ACTIVE": ProductStatus.ACTIVE.value,
}

# Root fields the fast path answers, with the type of their result.
ROOTS = {"products": "ProductConnection"}

"""The catalog: categories, products with price tiers and photos, and the traders' product mutations."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay

from src.models.catalog import Product, ProductStatus, Unit
from src.models.markets import StallStatus
from src.schema.context import Context, Info
from src.schema.errors import UserError, payload_mutation, query_errors
from src.schema.habits.types import StallRatingType
from src.schema.ids import db_ids, decode_id
from src.schema.markets import MarketType, StallType
from src.schema.pagination import build_connection
from src.schema.permissions import current_user
from src.schema.photos import PhotoFormat, PhotoSize, PhotoType, variant_url
from src.schema.scalars import Money, decimal_value, money
from src.services import catalog as catalog_service
from src.services import catalog_queries
from src.services import photos as photos_service
from src.services.common.errors import DomainError

UnitEnum = strawberry.enum(Unit, name="Unit", description="How a product is sold: per kg, per bundle (ikat), …")
ProductSortEnum = strawberry.enum(catalog_queries.ProductSort, name="ProductSort")


@strawberry.type(name="Category")
class CategoryType(relay.Node):
    id: relay.NodeID[int]
    name: str
    slug: str

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        categories = await catalog_service.categories_by_id(ids=db_ids(node_ids))
        return [cls(id=c.id, name=c.name, slug=c.slug) if c else None for c in categories]


@strawberry.type(name="PriceTier", description="A wholesale price: from this quantity on, each unit costs this much.")
class PriceTierType:
    min_quantity: Decimal
    price: Money


def tier_types(rows: list[dict[str, Any]]) -> list[PriceTierType]:
    return [PriceTierType(min_quantity=decimal_value(r["min_quantity"]), price=money(r["price"])) for r in rows]


@strawberry.type(name="Product")
class ProductType(relay.Node):
    id: relay.NodeID[int]
    name: str
    description: str
    unit: Unit
    price: Money
    min_quantity: Decimal
    quantity_step: Decimal
    stock: Decimal
    is_weighed: bool
    is_archived: bool
    is_active: bool = strawberry.field(description="For sale now: false when archived or taken off sale for now.")
    category: CategoryType
    stall: StallType
    # Filled by the catalog page in two batched queries; otherwise loaded through the request's loaders.
    tiers: strawberry.Private[list[PriceTierType] | None] = None
    ready_photos: strawberry.Private[list[PhotoType] | None] = None

    @strawberry.field(description="Wholesale prices by quantity, ascending.", graphql_type=list[PriceTierType])
    def price_tiers(self, info: Info) -> Any:
        # A plain value when prefetched: no coroutine per product on the hot path.
        return self.tiers if self.tiers is not None else self._load_tiers(info)

    async def _load_tiers(self, info: Info) -> list[PriceTierType]:
        return tier_types(await info.context.loaders.price_tiers_by_product.load(self.id))

    @strawberry.field(
        description="Photos in order: READY ones for buyers; every photo, any status, for the product's "
        "own trader (outside catalog pages, which list READY photos only).",
        graphql_type=list[PhotoType],
    )
    def photos(self, info: Info) -> Any:
        return self.ready_photos if self.ready_photos is not None else self._load_photos(info)

    async def _load_photos(self, info: Info) -> list[PhotoType]:
        viewer = await info.context.get_user() if info.context.bearer_token() else None
        owner = photos_service.sees_every_photo(
            viewer, stall_id=self.stall.id, market_id=self.stall.market_id, trader_id=self.stall.trader_id
        )
        loader = info.context.loaders.photos_by_product if owner else info.context.loaders.ready_photos_by_product
        return [PhotoType.from_row(r) for r in await loader.load(self.id)]

    @strawberry.field(
        description="URL of the first READY photo, the product's thumbnail; null without one.", graphql_type=str | None
    )
    def thumbnail(self, info: Info, size: PhotoSize = PhotoSize.THUMB, format: PhotoFormat = PhotoFormat.WEBP) -> Any:
        if self.ready_photos is not None:
            return self._thumbnail(self.ready_photos, info, size, format)
        return self._load_thumbnail(info, size, format)

    async def _load_thumbnail(self, info: Info, size: PhotoSize, format: PhotoFormat) -> str | None:
        rows = await info.context.loaders.ready_photos_by_product.load(self.id)
        return self._thumbnail([PhotoType.from_row(r) for r in rows], info, size, format)

    @staticmethod
    def _thumbnail(photos: list[PhotoType], info: Info, size: PhotoSize, format: PhotoFormat) -> str | None:
        return variant_url(photos[0].variants, size, format, info.context.storage) if photos else None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "ProductType":
        return cls(
            id=row["id"],
            name=row["name"],
            description=row["description"],
            unit=Unit(row["unit"]),
            price=money(row["price"]),
            min_quantity=decimal_value(row["min_quantity"]),
            quantity_step=decimal_value(row["quantity_step"]),
            stock=decimal_value(row["stock"]),
            is_weighed=bool(row["is_weighed"]),
            is_archived=row["status"] == ProductStatus.ARCHIVED.value,
            is_active=row["status"] == ProductStatus.ACTIVE.value,
            category=CategoryType(id=row["category_id"], name=row["category_name"], slug=row["category_slug"]),
            stall=StallType(
                id=row["stall_id"],
                name=row["stall_name"],
                stall_number=row["stall_number"],
                description=row["stall_description"],
                status=StallStatus(row["stall_status"]),
                is_open=bool(row["stall_is_open"]),
                market_id=row["market_id"],
                trader_id=row["stall_trader_id"],
                reason=None,
                schedule=row["stall_schedule"],
                rating_node=StallRatingType.of(row["stall_rating_count"], row["stall_stars_total"]),
                market_node=MarketType.from_values(
                    id=row["market_id"],
                    name=row["market_name"],
                    address=row["market_address"],
                    latitude=row["market_latitude"],
                    longitude=row["market_longitude"],
                    opening_hours=row["market_opening_hours"],
                    delivery_radius_km=row["market_delivery_radius_km"],
                    base_delivery_fee=row["market_base_delivery_fee"],
                    per_km_fee=row["market_per_km_fee"],
                    schedule=row["market_schedule"],
                ),
            ),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ids = db_ids(node_ids)
        rows = await catalog_queries.product_rows(viewer=await info.context.get_user(), ids=ids)
        return [cls.from_row(rows[i]) if i in rows else None for i in ids]


@strawberry.input
class ProductFilterInput:
    market_id: relay.GlobalID | None = None
    stall_id: relay.GlobalID | None = None
    category_id: relay.GlobalID | None = None
    search: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool | None = None


@strawberry.input
class PriceTierInput:
    min_quantity: Decimal
    price: int


@strawberry.input
class CreateProductInput:
    name: str
    category_id: relay.GlobalID
    unit: str = strawberry.field(description="One of the Unit values, e.g. KG, IKAT, BUTIR.")
    price: int = strawberry.field(description="Whole rupiah per unit.")
    stock: Decimal
    description: str | None = None
    min_quantity: Decimal | None = None
    quantity_step: Decimal | None = None
    is_weighed: bool | None = None
    price_tiers: list[PriceTierInput] | None = None


@strawberry.input
class UpdateProductInput:
    id: relay.GlobalID
    name: str | None = None
    category_id: relay.GlobalID | None = None
    unit: str | None = None
    price: int | None = None
    stock: Decimal | None = None
    description: str | None = None
    min_quantity: Decimal | None = None
    quantity_step: Decimal | None = None
    is_weighed: bool | None = None
    price_tiers: list[PriceTierInput] | None = None


@strawberry.input
class ArchiveProductInput:
    id: relay.GlobalID


@strawberry.input
class SetStockInput:
    product_id: relay.GlobalID
    stock: Decimal


@strawberry.type
class ProductPayload:
    product: ProductType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _fields(input: CreateProductInput | UpdateProductInput) -> catalog_service.ProductFields:
    tiers = input.price_tiers
    return catalog_service.ProductFields(
        name=input.name,
        description=input.description,
        category_id=decode_id(input.category_id, "Category", field="categoryId") if input.category_id else None,
        unit=input.unit,
        price=input.price,
        stock=input.stock,
        min_quantity=input.min_quantity,
        quantity_step=input.quantity_step,
        is_weighed=input.is_weighed,
        price_tiers=[catalog_service.TierInput(t.min_quantity, t.price) for t in tiers] if tiers is not None else None,
    )


async def _product_result(info: Info, product: Product) -> ProductPayload:
    rows = await catalog_queries.product_rows(viewer=await info.context.get_user(), ids=[product.id])
    return ProductPayload(product=ProductType.from_row(rows[product.id]))


@dataclass(frozen=True)
class CatalogPage:
    """A page of catalog rows with each product's price tiers and ready photos (as rows)."""

    page: catalog_queries.ProductPage
    tiers: list[list[dict[str, Any]]]
    photos: list[list[dict[str, Any]]]


async def load_catalog_page(
    context: Context,
    *,
    first: int | None,
    after: str | None,
    filter: ProductFilterInput | None,
    sort: catalog_queries.ProductSort,
) -> CatalogPage:
    """The `products` field's data (one query on PostgreSQL, three on SQLite; public pages from the process's
    page cache); shared by the resolver and the fast path."""
    given = filter or ProductFilterInput()
    filters = catalog_queries.ProductFilter(
        market_id=_optional_id(given.market_id, "Market", "marketId"),
        stall_id=_optional_id(given.stall_id, "Stall", "stallId"),
        category_id=_optional_id(given.category_id, "Category", "categoryId"),
        search=given.search,
        min_price=given.min_price,
        max_price=given.max_price,
        in_stock=given.in_stock,
    )
    if filters.stall_id is None:
        page = await context.catalog_pages.page(filters, sort, first, after)
    else:  # who asks matters only for a stall's own trader and admins, who also see it unlisted
        page = await catalog_queries.list_products(
            viewer=await context.get_user(), filters=filters, sort=sort, first=first, after=after, with_details=True
        )
    return CatalogPage(page=page, tiers=[r["tiers"] for r in page.rows], photos=[r["photos"] for r in page.rows])


def _optional_id(value: relay.GlobalID | None, type_name: str, field: str) -> int | None:
    return decode_id(value, type_name, field=f"filter.{field}") if value is not None else None


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="The catalog's categories, in shelf order.")
    async def categories(self) -> list[CategoryType]:
        rows = await catalog_service.list_categories()
        return [CategoryType(id=r["id"], name=r["name"], slug=r["slug"]) for r in rows]

    @strawberry.field(description="Products buyers can order now: approved, open stalls' active products.")
    async def products(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: ProductFilterInput | None = None,
        sort: catalog_queries.ProductSort = catalog_queries.ProductSort.RELEVANCE,
    ) -> relay.Connection[ProductType]:
        with query_errors(info):
            page = await load_catalog_page(info.context, first=first, after=after, filter=filter, sort=sort)
        nodes = []
        for row, tiers, photos in zip(page.page.rows, page.tiers, page.photos, strict=True):
            node = ProductType.from_row(row)
            node.tiers = tier_types(tiers)
            node.ready_photos = [PhotoType.from_row(r) for r in photos]
            nodes.append(node)
        cursors = {row["id"]: page.page.cursor(row) for row in page.page.rows}
        return build_connection(
            nodes,
            has_next_page=page.page.has_next_page,
            cursor=lambda node: cursors[node.id],
            had_cursor=after is not None,
        )

    @strawberry.field
    async def product(self, info: Info, id: relay.GlobalID) -> ProductType | None:
        try:
            product_id = decode_id(id, "Product")
        except DomainError:
            return None
        nodes = await ProductType.resolve_nodes(info=info, node_ids=[str(product_id)])
        return nodes[0]  # type: ignore[no-any-return]


@strawberry.type
class CatalogMutation:
    @payload_mutation(description="Trader: add a product to their stall.")
    async def create_product(self, info: Info, input: CreateProductInput) -> ProductPayload:
        product = await catalog_service.create_product(actor=await current_user(info), fields=_fields(input))
        return await _product_result(info, product)

    @payload_mutation(description="Trader: change a product of their stall; tiers, when given, replace the old.")
    async def update_product(self, info: Info, input: UpdateProductInput) -> ProductPayload:
        product = await catalog_service.update_product(
            actor=await current_user(info), product_id=decode_id(input.id, "Product"), fields=_fields(input)
        )
        return await _product_result(info, product)

    @payload_mutation(description="Trader: take a product out of the catalog (orders keep their copy).")
    async def archive_product(self, info: Info, input: ArchiveProductInput) -> ProductPayload:
        product = await catalog_service.archive_product(
            actor=await current_user(info), product_id=decode_id(input.id, "Product")
        )
        return await _product_result(info, product)

    @payload_mutation(description="Trader: set how much of a product is in stock.")
    async def set_stock(self, info: Info, input: SetStockInput) -> ProductPayload:
        product = await catalog_service.set_stock(
            actor=await current_user(info),
            product_id=decode_id(input.product_id, "Product", field="productId"),
            stock=input.stock,
        )
        return await _product_result(info, product)

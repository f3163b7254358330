"""The trader's morning: today's prices, stock and sale in bulk (`updateProducts`), and what to prepare for a
slot (`pickingList`)."""

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay

from src.models.orders import SlotWindow
from src.schema.catalog import ProductType
from src.schema.context import Info
from src.schema.errors import UserError, payload_mutation, query_errors
from src.schema.ids import decode_id
from src.schema.orders import types as _order_types  # noqa: F401  # registers SlotWindow as a GraphQL enum
from src.schema.permissions import current_user
from src.schema.scalars import decimal_value
from src.services import catalog_bulk, catalog_queries
from src.services import orders as orders_service


@strawberry.input
class ProductChangeInput:
    product_id: relay.GlobalID
    price: int | None = None
    stock: Decimal | None = None
    active: bool | None = strawberry.field(default=None, description="false: off sale for now (kept); true: on sale.")


@strawberry.input
class UpdateProductsInput:
    items: list[ProductChangeInput] = strawberry.field(description="Up to 200 of the trader's products.")


@strawberry.type
class ProductsPayload:
    products: list[ProductType] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MorningMutation:
    @payload_mutation(
        description="Trader: today's prices, stock and sale of up to 200 products at once; all or nothing."
    )
    async def update_products(self, info: Info, input: UpdateProductsInput) -> ProductsPayload:
        actor = await current_user(info)
        catalog_bulk.check_item_count(len(input.items))  # before decoding 10,000 ids
        changes = [
            catalog_bulk.ProductChange(
                product_id=decode_id(item.product_id, "Product", field=f"items.{n}.productId"),
                price=item.price,
                stock=item.stock,
                active=item.active,
            )
            for n, item in enumerate(input.items)
        ]
        products = await catalog_bulk.update_products(actor=actor, changes=changes)
        rows = await catalog_queries.product_rows(viewer=actor, ids=[p.id for p in products])
        return ProductsPayload(products=[ProductType.from_row(rows[p.id]) for p in products])


@strawberry.type(description="One order's share of a picking line.")
class PickedOrder:
    number: str
    window: SlotWindow
    quantity: Decimal = strawberry.field(description="As ordered.")
    weighed_quantity: Decimal | None = strawberry.field(description="Once weighed (weighed items).")
    note: str
    order_item_id: relay.GlobalID


@strawberry.type(description="One product to prepare: the total, and each order's quantity under it.")
class PickingLine:
    product_name: str
    unit: str
    total_quantity: Decimal
    is_weighed: bool = strawberry.field(description="Weighed items get their weight before the part is ready.")
    orders: list[PickedOrder]
    product_id: strawberry.Private[int | None]

    @strawberry.field(description="The product now (null when it was deleted since).")
    async def product(self, info: Info) -> ProductType | None:
        if self.product_id is None:
            return None
        row = await info.context.loaders.product_row_by_id.load(self.product_id)
        return ProductType.from_row(row) if row is not None else None


@strawberry.type
class PickingList:
    date: date
    window: SlotWindow | None
    lines: list[PickingLine]


@strawberry.type
class MorningQuery:
    @strawberry.field(description="Trader: what to prepare for a delivery day (and window), product by product.")
    async def picking_list(self, info: Info, date: date, window: SlotWindow | None = None) -> PickingList:
        with query_errors(info):
            lines = await orders_service.picking_list(actor=await current_user(info), day=date, window=window)
        return PickingList(
            date=date,
            window=window,
            lines=[
                PickingLine(
                    product_name=line.product_name,
                    unit=line.unit,
                    total_quantity=decimal_value(line.total_quantity),
                    is_weighed=line.is_weighed,
                    orders=[
                        PickedOrder(
                            number=o.number,
                            window=o.window,
                            quantity=decimal_value(o.quantity),
                            weighed_quantity=decimal_value(o.weighed_quantity)
                            if o.weighed_quantity is not None
                            else None,
                            note=o.note,
                            order_item_id=relay.GlobalID("OrderItem", str(o.order_item_id)),
                        )
                        for o in line.orders
                    ],
                    product_id=line.product_id,
                )
                for line in lines
            ],
        )

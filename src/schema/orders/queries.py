"""Order queries: the buyer's cart and orders, one order, the trader's parts."""

import strawberry
from strawberry import relay

from src.models.orders import OrderStatus, StallOrderStatus
from src.schema.context import Info
from src.schema.errors import query_errors
from src.schema.ids import decode_id
from src.schema.orders.cart import Cart, cart_of
from src.schema.orders.types import OrderType, StallOrderType
from src.schema.pagination import after_id, id_page, limit_or_error
from src.schema.permissions import IsAuthenticated
from src.services import orders as orders_service
from src.services.common.errors import DomainError


@strawberry.type
class OrdersQuery:
    @strawberry.field(description="The buyer's cart.")
    async def cart(self, info: Info) -> Cart:
        with query_errors(info):
            return cart_of(await orders_service.get_cart(actor=await info.context.get_user()))

    @strawberry.field(description="The buyer's orders, newest first.")
    async def my_orders(
        self, info: Info, first: int | None = None, after: str | None = None, status: OrderStatus | None = None
    ) -> relay.Connection[OrderType]:
        limit = limit_or_error(info, first)
        with query_errors(info):
            rows = await orders_service.my_orders(
                actor=await info.context.get_user(),
                status=status,
                after_id=after_id(info, after, "Order"),
                limit=limit + 1,
            )
        # The buyer's own orders, seen whole: their parts in one query for the page.
        parts = await orders_service.parts_of([o.id for o in rows[:limit]])
        return id_page(
            rows,
            limit,
            lambda order: OrderType.from_model(
                order, parts.get(order.id, []), viewpoint=orders_service.Viewpoint.BUYER
            ),
            "Order",
            had_cursor=bool(after),
        )

    @strawberry.field(
        description="An order, for its buyer, its traders (their part), its market's admins.",
        extensions=[strawberry.permission.PermissionExtension(permissions=[IsAuthenticated()])],
    )
    async def order(self, info: Info, id: relay.GlobalID) -> OrderType | None:
        try:
            order_id = decode_id(id, "Order")
        except DomainError:
            return None
        found = await orders_service.get_order(
            actor=await info.context.get_user(), order_id=order_id, settings=info.context.settings
        )
        return OrderType.from_view(found) if found else None

    @strawberry.field(description="The trader's parts of orders, newest first.")
    async def stall_orders(
        self, info: Info, first: int | None = None, after: str | None = None, status: StallOrderStatus | None = None
    ) -> relay.Connection[StallOrderType]:
        limit = limit_or_error(info, first)
        with query_errors(info):
            rows = await orders_service.stall_orders(
                actor=await info.context.get_user(),
                status=status,
                after_id=after_id(info, after, "StallOrder"),
                limit=limit + 1,
            )
        return id_page(rows, limit, StallOrderType.from_model, "StallOrder", had_cursor=bool(after))

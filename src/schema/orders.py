"""Cart and orders: the buyer's cart, placing orders, the traders' parts, cancelling and payment."""

from collections.abc import Awaitable, Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from src.models.accounts import Role
from src.models.orders import (
    CartItem,
    Order,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    SlotWindow,
    StallOrder,
    StallOrderStatus,
)
from src.schema.catalog import ProductType
from src.schema.context import Info
from src.schema.errors import UserError, graphql_error, mutation_payload
from src.schema.ids import db_ids, decode_id, visible_nodes
from src.schema.markets import Location, MarketType, StallType
from src.schema.pagination import after_id, id_page, limit_or_error
from src.schema.permissions import IsAuthenticated, current_user
from src.schema.scalars import Money, decimal_value, money
from src.services import delivery as delivery_service
from src.services import money as money_rules
from src.services import notification_texts as texts
from src.services import notifications as notifications_service
from src.services import orders as orders_service
from src.services import ratelimit
from src.services.catalog_queries import product_rows
from src.services.errors import DomainError

if TYPE_CHECKING:
    from src.schema.delivery import DeliveryAssignmentType

OrderStatusEnum = strawberry.enum(OrderStatus, name="OrderStatus")
StallOrderStatusEnum = strawberry.enum(StallOrderStatus, name="StallOrderStatus")
PaymentMethodEnum = strawberry.enum(PaymentMethod, name="PaymentMethod")
PaymentStatusEnum = strawberry.enum(PaymentStatus, name="PaymentStatus")
SlotWindowEnum = strawberry.enum(SlotWindow, name="SlotWindow")


@strawberry.type
class DeliverySlot:
    date: date
    window: SlotWindow


@strawberry.type
class Address:
    line: str
    area: str
    recipient_name: str
    recipient_phone: str
    location: Location


@strawberry.type
class TimelineEvent:
    type: str
    at: datetime
    actor: str | None = strawberry.field(description="Who did it (name); null for the system.")
    message: str = strawberry.field(description="In the reader's language: a reason as written, amounts in rupiah.")


@strawberry.type(name="OrderBuyer", description="Who ordered: as far as the viewer's role may see.")
class OrderBuyer:
    name: str
    phone: str | None = strawberry.field(description="Null for a trader.")
    business_name: str | None


@strawberry.type(name="OrderItem")
class OrderItemType(relay.Node):
    id: relay.NodeID[int]
    product_name: str
    unit: str
    unit_price: Money
    quantity: Decimal
    fulfilled_quantity: Decimal | None
    is_weighed: bool
    line_total: Money
    note: str

    @classmethod
    def from_model(cls, item: OrderItem) -> "OrderItemType":
        return cls(
            id=item.id,
            product_name=item.product_name,
            unit=item.unit,
            unit_price=money(item.unit_price),
            quantity=decimal_value(item.quantity),
            fulfilled_quantity=decimal_value(item.fulfilled_quantity) if item.fulfilled_quantity is not None else None,
            is_weighed=item.is_weighed,
            line_total=money(item.line_total),
            note=item.note,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await visible_nodes(info, node_ids, orders_service.visible_item, cls.from_model)


@strawberry.type(name="StallOrder")
class StallOrderType(relay.Node):
    id: relay.NodeID[int]
    status: StallOrderStatus
    subtotal: Money
    reject_reason: str | None
    stall_id: strawberry.Private[int]
    order_id: strawberry.Private[int]

    @strawberry.field
    async def stall(self, info: Info) -> StallType:
        return StallType.from_model(await info.context.loaders.stall_by_id.load(self.stall_id))

    @strawberry.field
    async def items(self, info: Info) -> list[OrderItemType]:
        return [OrderItemType.from_model(i) for i in await info.context.loaders.items_by_part.load(self.id)]

    @strawberry.field(description="The order this part belongs to (its trader sees only this part of it).")
    async def order(self, info: Info) -> "OrderType | None":
        found = await orders_service.get_order(
            actor=await info.context.get_user(), order_id=self.order_id, settings=info.context.settings
        )
        return OrderType.from_view(found) if found else None

    @classmethod
    def from_model(cls, part: StallOrder) -> "StallOrderType":
        return cls(
            id=part.id,
            status=part.status,
            subtotal=money(part.subtotal),
            reject_reason=part.reject_reason,
            stall_id=part.stall_id,
            order_id=part.order_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await visible_nodes(info, node_ids, orders_service.visible_part, cls.from_model)


@strawberry.type(name="Order")
class OrderType(relay.Node):
    id: relay.NodeID[int]
    number: str
    status: OrderStatus
    payment_method: PaymentMethod
    payment_status: PaymentStatus
    payment_due_at: datetime | None
    subtotal: Money = strawberry.field(description="The items' total; for a trader, their own part's.")
    delivery_fee: Money | None = strawberry.field(description="Null for a trader (not their part).")
    total: Money | None = strawberry.field(description="Null for a trader (not their part).")
    distance_km: Decimal | None
    address: Address | None = strawberry.field(
        description="Where it goes; null for a trader, and for its courier once the delivery ended a while ago."
    )
    delivery_slot: DeliverySlot
    note: str
    created_at: datetime
    market_id: strawberry.Private[int]
    parts: strawberry.Private[list[StallOrder]]
    full_view: strawberry.Private[bool]
    viewpoint: strawberry.Private[orders_service.Viewpoint]
    contact: strawberry.Private[bool]
    model: strawberry.Private[Order]

    @strawberry.field(description="Why it was cancelled, in the reader's language.")
    def cancel_reason(self, info: Info) -> str | None:
        reason = self.model.cancel_reason
        return texts.reason_text(reason, info.context.language) if reason is not None else None

    @strawberry.field(
        description="Who ordered: name, phone and business for the buyer, the market's admins and its courier "
        "(while they may reach the buyer); the name and business, not the phone, for a trader."
    )
    async def buyer(self, info: Info) -> OrderBuyer | None:
        if self.viewpoint == orders_service.Viewpoint.COURIER and not self.contact:
            return None
        user = await info.context.loaders.user_by_id.load(self.model.buyer_id)
        if user is None:
            return None
        phone = None if self.viewpoint == orders_service.Viewpoint.TRADER else user.phone
        return OrderBuyer(name=user.name, phone=phone, business_name=user.business_name)

    @strawberry.field(description="Its courier and delivery: for the buyer, the courier and the market's admins.")
    async def delivery(
        self, info: Info
    ) -> Annotated["DeliveryAssignmentType", strawberry.lazy("src.schema.delivery")] | None:
        from src.schema.delivery import DeliveryAssignmentType

        if not self.full_view:
            return None
        viewer = await info.context.get_user()
        offers = delivery_service.sees_offers(viewer, self.model)
        found = await info.context.loaders.delivery_by_order.load((self.id, offers))
        if found is None:
            return None
        # A courier who once had the order sees their own delivery, not who carries it now.
        if self.viewpoint == orders_service.Viewpoint.COURIER and (viewer is None or found.courier_id != viewer.id):
            return None
        return await DeliveryAssignmentType.from_model(found, info)

    @strawberry.field
    async def market(self, info: Info) -> MarketType:
        return MarketType.from_model(await info.context.loaders.market_by_id.load(self.market_id))

    @strawberry.field(description="The stalls' parts this viewer may see: all for the buyer and admins.")
    def stall_orders(self) -> list[StallOrderType]:
        return [StallOrderType.from_model(p) for p in self.parts]

    @strawberry.field(
        description="What happened, as far as the viewer may see: a trader their part's steps and the order's "
        "milestones, its courier the delivery's, the buyer all but the market's bookkeeping."
    )
    async def timeline(self, info: Info) -> list[TimelineEvent]:
        events = await info.context.loaders.events_by_order.load(self.id)
        view = orders_service.OrderView(self.model, self.parts, self.full_view, self.viewpoint, self.contact)
        language = info.context.language
        return [
            TimelineEvent(
                type=e.type,
                at=e.created_at,
                actor=e.actor.name if e.actor else None,
                message=texts.timeline_text(e.type, e.message, e.params, language),
            )
            for e in orders_service.visible_events(view, events)
        ]

    @classmethod
    def from_view(cls, view: orders_service.OrderView) -> "OrderType":
        return cls.from_model(*view)

    @classmethod
    def from_model(
        cls,
        order: Order,
        parts: list[StallOrder],
        full_view: bool = True,
        viewpoint: orders_service.Viewpoint = orders_service.Viewpoint.ADMIN,
        contact: bool = True,
    ) -> "OrderType":
        """The order as this viewer may see it (the defaults: as the market's admins see it): a trader sees
        their own part's money, not the buyer's address or the order's total; a courier the address only
        while they may reach the buyer."""
        address = Address(
            line=order.address_line,
            area=order.address_area,
            recipient_name=order.recipient_name,
            recipient_phone=order.recipient_phone,
            location=Location(lat=float(order.latitude), lng=float(order.longitude)),
        )
        return cls(
            id=order.id,
            number=order.number,
            status=order.status,
            payment_method=order.payment_method,
            payment_status=order.payment_status,
            payment_due_at=order.payment_due_at,
            subtotal=money(order.subtotal if full_view else sum(p.subtotal for p in parts)),
            delivery_fee=money(order.delivery_fee) if full_view else None,
            total=money(order.total) if full_view else None,
            distance_km=decimal_value(order.distance_km) if full_view else None,
            address=address if full_view and contact else None,
            delivery_slot=DeliverySlot(date=order.slot_date, window=order.slot_window),
            # The buyer's note may say how to find or reach them: no use to a courier past the grace period.
            note=order.note if contact or viewpoint != orders_service.Viewpoint.COURIER else "",
            created_at=order.created_at,
            market_id=order.market_id,
            parts=parts,
            full_view=full_view,
            viewpoint=viewpoint,
            contact=contact and full_view,
            model=order,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        viewer = await info.context.get_user()
        result: list[Any] = []
        for order_id in db_ids(node_ids):
            found = await orders_service.get_order(actor=viewer, order_id=order_id, settings=info.context.settings)
            result.append(cls.from_view(found) if found else None)
        return result


@strawberry.type
class CartLine:
    quantity: Decimal
    note: str
    line_total: Money
    product_id: strawberry.Private[int]

    @strawberry.field
    async def product(self, info: Info) -> ProductType | None:
        rows = await product_rows(viewer=await info.context.get_user(), ids=[self.product_id])
        return ProductType.from_row(rows[self.product_id]) if self.product_id in rows else None


@strawberry.input
class LocationInput:
    lat: float
    lng: float


@strawberry.type
class Cart:
    items: list[CartLine]
    market_id: strawberry.Private[int | None]

    @strawberry.field
    async def market(self, info: Info) -> MarketType | None:
        if self.market_id is None:
            return None
        return MarketType.from_model(await info.context.loaders.market_by_id.load(self.market_id))

    @strawberry.field(name="subtotal")
    def subtotal_field(self) -> Money:
        return money(self.subtotal_amount())

    def subtotal_amount(self) -> int:
        return sum(i.line_total.amount for i in self.items)

    @strawberry.field(description="The delivery fee to a location; null outside the market's radius.")
    async def delivery_fee(self, info: Info, address: LocationInput) -> Money | None:
        if self.market_id is None:
            return None
        market = await info.context.loaders.market_by_id.load(self.market_id)
        try:
            return money(orders_service.quote_delivery(market, address.lat, address.lng)[1])
        except DomainError:
            return None

    @strawberry.field(description="Subtotal plus the delivery fee to a location (the subtotal without one).")
    async def total(self, info: Info, address: LocationInput | None = None) -> Money:
        fee = await self.delivery_fee(info, address) if address else None
        return money(self.subtotal_amount() + (fee.amount if fee else 0))


def _cart(items: list[CartItem]) -> Cart:
    from src.services.orders import unit_price

    lines = [
        CartLine(
            quantity=decimal_value(i.quantity),
            note=i.note,
            line_total=money(
                money_rules.line_total(i.quantity, unit_price(i.product.price, list(i.product.price_tiers), i.quantity))
            ),
            product_id=i.product_id,
        )
        for i in items
    ]
    return Cart(items=lines, market_id=items[0].product.stall.market_id if items else None)


@strawberry.input
class CartItemInput:
    product_id: relay.GlobalID
    quantity: Decimal
    note: str | None = None


@strawberry.input
class RemoveFromCartInput:
    product_id: relay.GlobalID


@strawberry.input
class OrderItemInput:
    product_id: relay.GlobalID
    quantity: Decimal
    note: str | None = None


@strawberry.input
class AddressInput:
    line: str
    recipient_name: str
    recipient_phone: str
    location: LocationInput
    area: str | None = None


@strawberry.input
class DeliverySlotInput:
    date: date
    window: SlotWindow


@strawberry.input
class PlaceOrderInput:
    address: AddressInput
    delivery_slot: DeliverySlotInput
    payment_method: PaymentMethod
    idempotency_key: str
    items: list[OrderItemInput] | None = None
    note: str | None = None


@strawberry.input
class StallOrderInput:
    stall_order_id: relay.GlobalID


@strawberry.input
class RejectStallOrderInput:
    stall_order_id: relay.GlobalID
    reason: str


@strawberry.input
class SetFulfilledQuantityInput:
    order_item_id: relay.GlobalID
    quantity: Decimal


@strawberry.input
class CancelOrderInput:
    order_id: relay.GlobalID
    reason: str


@strawberry.input
class ConfirmPaymentInput:
    order_id: relay.GlobalID


@strawberry.type
class CartPayload:
    cart: Cart | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OrderPayload:
    order: OrderType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StallOrderPayload:
    stall_order: StallOrderType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OrderItemPayload:
    order_item: OrderItemType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _order_result(info: Info, order: Order) -> dict[str, Any]:
    await notifications_service.hand_over_written(info.context.queue)  # the change is committed: tell people now
    found = await orders_service.get_order(
        actor=await info.context.get_user(), order_id=order.id, settings=info.context.settings
    )
    return {"order": OrderType.from_view(found) if found else None}


def _order_request(input: PlaceOrderInput) -> orders_service.OrderRequest:
    items = None
    if input.items is not None:
        items = [
            orders_service.ItemInput(
                product_id=decode_id(i.product_id, "Product", field=f"items.{n}.productId"),
                quantity=i.quantity,
                note=i.note or "",
            )
            for n, i in enumerate(input.items)
        ]
    return orders_service.OrderRequest(
        items=items,
        address=orders_service.AddressInput(
            line=input.address.line,
            recipient_name=input.address.recipient_name,
            recipient_phone=input.address.recipient_phone,
            lat=input.address.location.lat,
            lng=input.address.location.lng,
            area=input.address.area or "",
        ),
        slot=orders_service.SlotInput(date=input.delivery_slot.date, window=input.delivery_slot.window),
        payment_method=input.payment_method,
        note=input.note or "",
        idempotency_key=input.idempotency_key,
    )


async def _stall_order_change(
    info: Info, change: Callable[..., Awaitable[StallOrder]], stall_order_id: relay.GlobalID, **options: Any
) -> StallOrderPayload:
    """A trader's change to their part of an order, answered with the part."""

    async def work() -> dict[str, Any]:
        part = await change(
            actor=await current_user(info),
            stall_order_id=decode_id(stall_order_id, "StallOrder", field="stallOrderId"),
            **options,
        )
        await notifications_service.hand_over_written(info.context.queue)
        return {"stall_order": StallOrderType.from_model(part)}

    return await mutation_payload(info, StallOrderPayload, work())


@strawberry.type
class OrdersQuery:
    @strawberry.field(description="The buyer's cart.")
    async def cart(self, info: Info) -> Cart:
        try:
            return _cart(await orders_service.get_cart(actor=await info.context.get_user()))
        except DomainError as exc:
            raise graphql_error(exc, info.context.language) from exc

    @strawberry.field(description="The buyer's orders, newest first.")
    async def my_orders(
        self, info: Info, first: int | None = None, after: str | None = None, status: OrderStatus | None = None
    ) -> relay.Connection[OrderType]:
        limit = limit_or_error(info, first)
        try:
            rows = await orders_service.my_orders(
                actor=await info.context.get_user(),
                status=status,
                after_id=after_id(info, after, "Order"),
                limit=limit + 1,
            )
        except DomainError as exc:
            raise graphql_error(exc, info.context.language) from exc
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
        try:
            rows = await orders_service.stall_orders(
                actor=await info.context.get_user(),
                status=status,
                after_id=after_id(info, after, "StallOrder"),
                limit=limit + 1,
            )
        except DomainError as exc:
            raise graphql_error(exc, info.context.language) from exc
        return id_page(rows, limit, StallOrderType.from_model, "StallOrder", had_cursor=bool(after))


@strawberry.type
class OrdersMutation:
    @strawberry.mutation(description="Buyer: add a product to the cart (one market at a time).")
    async def add_to_cart(self, info: Info, input: CartItemInput) -> CartPayload:
        async def work() -> dict[str, Any]:
            items = await orders_service.add_to_cart(
                actor=await current_user(info, Role.BUYER),
                product_id=decode_id(input.product_id, "Product", field="productId"),
                quantity=input.quantity,
                note=input.note or "",
                settings=info.context.settings,
            )
            return {"cart": _cart(items)}

        return await mutation_payload(info, CartPayload, work())

    @strawberry.mutation(description="Buyer: change the quantity (or note) of a product in the cart.")
    async def update_cart_item(self, info: Info, input: CartItemInput) -> CartPayload:
        async def work() -> dict[str, Any]:
            items = await orders_service.update_cart_item(
                actor=await current_user(info, Role.BUYER),
                product_id=decode_id(input.product_id, "Product", field="productId"),
                quantity=input.quantity,
                note=input.note,
            )
            return {"cart": _cart(items)}

        return await mutation_payload(info, CartPayload, work())

    @strawberry.mutation(description="Buyer: take a product out of the cart.")
    async def remove_from_cart(self, info: Info, input: RemoveFromCartInput) -> CartPayload:
        async def work() -> dict[str, Any]:
            items = await orders_service.remove_from_cart(
                actor=await current_user(info, Role.BUYER),
                product_id=decode_id(input.product_id, "Product", field="productId"),
            )
            return {"cart": _cart(items)}

        return await mutation_payload(info, CartPayload, work())

    @strawberry.mutation(description="Buyer: empty the cart.")
    async def clear_cart(self, info: Info) -> CartPayload:
        async def work() -> dict[str, Any]:
            return {"cart": _cart(await orders_service.clear_cart(actor=await current_user(info, Role.BUYER)))}

        return await mutation_payload(info, CartPayload, work())

    @strawberry.mutation(description="Buyer: place an order from the cart or from explicit items (idempotent per key).")
    async def place_order(self, info: Info, input: PlaceOrderInput) -> OrderPayload:
        async def work() -> dict[str, Any]:
            actor = await current_user(info, Role.BUYER)
            await ratelimit.hit(
                info.context.queue,
                action="order",
                who=str(actor.id),
                limit=info.context.settings.rate_orders_per_minute,
                window_seconds=60,
            )
            order = await orders_service.place_order(
                actor=actor, request=_order_request(input), settings=info.context.settings
            )
            return await _order_result(info, order)

        return await mutation_payload(info, OrderPayload, work())

    @strawberry.mutation(description="Trader: accept their part of an order.")
    async def accept_stall_order(self, info: Info, input: StallOrderInput) -> StallOrderPayload:
        return await _stall_order_change(info, orders_service.accept_stall_order, input.stall_order_id)

    @strawberry.mutation(description="Trader: reject their part; its stock returns and the order is recomputed.")
    async def reject_stall_order(self, info: Info, input: RejectStallOrderInput) -> StallOrderPayload:
        return await _stall_order_change(
            info, orders_service.reject_stall_order, input.stall_order_id, reason=input.reason
        )

    @strawberry.mutation(description="Trader: the weighed quantity of a weighed item (within the tolerance).")
    async def set_fulfilled_quantity(self, info: Info, input: SetFulfilledQuantityInput) -> OrderItemPayload:
        async def work() -> dict[str, Any]:
            item = await orders_service.set_fulfilled_quantity(
                actor=await current_user(info),
                order_item_id=decode_id(input.order_item_id, "OrderItem", field="orderItemId"),
                quantity=input.quantity,
                settings=info.context.settings,
            )
            await notifications_service.hand_over_written(info.context.queue)
            return {"order_item": OrderItemType.from_model(item)}

        return await mutation_payload(info, OrderItemPayload, work())

    @strawberry.mutation(description="Trader: their part is packed and ready for the courier.")
    async def mark_stall_order_ready(self, info: Info, input: StallOrderInput) -> StallOrderPayload:
        return await _stall_order_change(info, orders_service.mark_stall_order_ready, input.stall_order_id)

    @strawberry.mutation(description="Buyer before pickup, market admin before delivery: cancel; stock returns.")
    async def cancel_order(self, info: Info, input: CancelOrderInput) -> OrderPayload:
        async def work() -> dict[str, Any]:
            order = await orders_service.cancel_order(
                actor=await current_user(info),
                order_id=decode_id(input.order_id, "Order", field="orderId"),
                reason=input.reason,
            )
            return await _order_result(info, order)

        return await mutation_payload(info, OrderPayload, work())

    @strawberry.mutation(description="Market admin: a bank transfer or QRIS payment arrived.")
    async def confirm_payment(self, info: Info, input: ConfirmPaymentInput) -> OrderPayload:
        async def work() -> dict[str, Any]:
            order = await orders_service.confirm_payment(
                actor=await current_user(info), order_id=decode_id(input.order_id, "Order", field="orderId")
            )
            return await _order_result(info, order)

        return await mutation_payload(info, OrderPayload, work())

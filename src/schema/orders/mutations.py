"""Order mutations: the buyer's cart and placing, the traders' parts, cancelling and confirming payment."""

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry import relay

from src.models.accounts import Role
from src.models.orders import Order, StallOrder
from src.schema.context import Info
from src.schema.errors import UserError, payload_mutation
from src.schema.ids import decode_id
from src.schema.orders.cart import Cart, cart_of
from src.schema.orders.inputs import (
    CancelOrderInput,
    CartItemInput,
    ConfirmPaymentInput,
    PlaceOrderInput,
    RejectStallOrderInput,
    RemoveFromCartInput,
    SetFulfilledQuantityInput,
    StallOrderInput,
)
from src.schema.orders.types import OrderItemType, OrderType, StallOrderType
from src.schema.permissions import current_user
from src.services import orders as orders_service
from src.services.common import ratelimit


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


async def order_result(info: Info, order: Order) -> OrderPayload:
    found = await orders_service.get_order(
        actor=await info.context.get_user(), order_id=order.id, settings=info.context.settings
    )
    return OrderPayload(order=OrderType.from_view(found) if found else None)


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
    given = input.address
    return orders_service.OrderRequest(
        items=items,
        address=orders_service.AddressInput(
            line=given.line,
            recipient_name=given.recipient_name,
            recipient_phone=given.recipient_phone,
            lat=given.location.lat,
            lng=given.location.lng,
            area=given.area or "",
        )
        if given is not None
        else None,
        address_id=decode_id(input.address_id, "Address", field="addressId") if input.address_id else None,
        slot=orders_service.SlotInput(date=input.delivery_slot.date, window=input.delivery_slot.window),
        payment_method=input.payment_method,
        note=input.note or "",
        idempotency_key=input.idempotency_key,
    )


async def _stall_order_change(
    info: Info, change: Callable[..., Awaitable[StallOrder]], stall_order_id: relay.GlobalID, **options: Any
) -> StallOrderPayload:
    """A trader's change to their part of an order, answered with the part."""
    part = await change(
        actor=await current_user(info),
        stall_order_id=decode_id(stall_order_id, "StallOrder", field="stallOrderId"),
        **options,
    )
    return StallOrderPayload(stall_order=StallOrderType.from_model(part))


@strawberry.type
class OrdersMutation:
    @payload_mutation(description="Buyer: add a product to the cart (one market at a time).")
    async def add_to_cart(self, info: Info, input: CartItemInput) -> CartPayload:
        items = await orders_service.add_to_cart(
            actor=await current_user(info, Role.BUYER),
            product_id=decode_id(input.product_id, "Product", field="productId"),
            quantity=input.quantity,
            note=input.note or "",
            settings=info.context.settings,
        )
        return CartPayload(cart=cart_of(items))

    @payload_mutation(description="Buyer: change the quantity (or note) of a product in the cart.")
    async def update_cart_item(self, info: Info, input: CartItemInput) -> CartPayload:
        items = await orders_service.update_cart_item(
            actor=await current_user(info, Role.BUYER),
            product_id=decode_id(input.product_id, "Product", field="productId"),
            quantity=input.quantity,
            note=input.note,
        )
        return CartPayload(cart=cart_of(items))

    @payload_mutation(description="Buyer: take a product out of the cart.")
    async def remove_from_cart(self, info: Info, input: RemoveFromCartInput) -> CartPayload:
        items = await orders_service.remove_from_cart(
            actor=await current_user(info, Role.BUYER),
            product_id=decode_id(input.product_id, "Product", field="productId"),
        )
        return CartPayload(cart=cart_of(items))

    @payload_mutation(description="Buyer: empty the cart.")
    async def clear_cart(self, info: Info) -> CartPayload:
        return CartPayload(cart=cart_of(await orders_service.clear_cart(actor=await current_user(info, Role.BUYER))))

    @payload_mutation(description="Buyer: place an order from the cart or from explicit items (idempotent per key).")
    async def place_order(self, info: Info, input: PlaceOrderInput) -> OrderPayload:
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
        return await order_result(info, order)

    @payload_mutation(description="Trader: accept their part of an order.")
    async def accept_stall_order(self, info: Info, input: StallOrderInput) -> StallOrderPayload:
        return await _stall_order_change(info, orders_service.accept_stall_order, input.stall_order_id)

    @payload_mutation(description="Trader: reject their part; its stock returns and the order is recomputed.")
    async def reject_stall_order(self, info: Info, input: RejectStallOrderInput) -> StallOrderPayload:
        return await _stall_order_change(
            info, orders_service.reject_stall_order, input.stall_order_id, reason=input.reason
        )

    @payload_mutation(description="Trader: the weighed quantity of a weighed item (within the tolerance).")
    async def set_fulfilled_quantity(self, info: Info, input: SetFulfilledQuantityInput) -> OrderItemPayload:
        item = await orders_service.set_fulfilled_quantity(
            actor=await current_user(info),
            order_item_id=decode_id(input.order_item_id, "OrderItem", field="orderItemId"),
            quantity=input.quantity,
            settings=info.context.settings,
        )
        return OrderItemPayload(order_item=OrderItemType.from_model(item))

    @payload_mutation(description="Trader: their part is packed and ready for the courier.")
    async def mark_stall_order_ready(self, info: Info, input: StallOrderInput) -> StallOrderPayload:
        return await _stall_order_change(info, orders_service.mark_stall_order_ready, input.stall_order_id)

    @payload_mutation(description="Buyer before pickup, market admin before delivery: cancel; stock returns.")
    async def cancel_order(self, info: Info, input: CancelOrderInput) -> OrderPayload:
        order = await orders_service.cancel_order(
            actor=await current_user(info),
            order_id=decode_id(input.order_id, "Order", field="orderId"),
            reason=input.reason,
        )
        return await order_result(info, order)

    @payload_mutation(description="Market admin: a bank transfer or QRIS payment arrived.")
    async def confirm_payment(self, info: Info, input: ConfirmPaymentInput) -> OrderPayload:
        order = await orders_service.confirm_payment(
            actor=await current_user(info), order_id=decode_id(input.order_id, "Order", field="orderId")
        )
        return await order_result(info, order)

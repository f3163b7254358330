"""The inputs of the cart and order mutations."""

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay

from src.models.orders import PaymentMethod, SlotWindow


@strawberry.input
class LocationInput:
    lat: float
    lng: float


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
    delivery_slot: DeliverySlotInput
    payment_method: PaymentMethod
    idempotency_key: str
    address: AddressInput | None = strawberry.field(default=None, description="Or `addressId`: one of the two.")
    address_id: relay.GlobalID | None = strawberry.field(
        default=None, description="An entry of the buyer's address book (the order keeps a copy)."
    )
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

"""Carts and orders: one order per buyer and market, split into one part per stall, with a timeline."""

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from src.models.accounts import User
    from src.models.catalog import Product
    from src.models.markets import Market, Stall


class OrderStatus(StrEnum):
    AWAITING_PAYMENT = "AWAITING_PAYMENT"
    PLACED = "PLACED"
    PROCESSING = "PROCESSING"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class StallOrderStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    READY = "READY"
    CANCELLED = "CANCELLED"


class PaymentMethod(StrEnum):
    COD = "COD"
    BANK_TRANSFER = "BANK_TRANSFER"
    QRIS = "QRIS"


class PaymentStatus(StrEnum):
    UNPAID = "UNPAID"  # COD until delivery, transfer/QRIS until confirmed
    PAID = "PAID"
    VOID = "VOID"  # cancelled before any money moved


class ItemState(StrEnum):
    ACTIVE = "ACTIVE"
    UNAVAILABLE = "UNAVAILABLE"  # left the order (nothing supplied: fulfilled 0, line 0)
    SUBSTITUTION_PENDING = "SUBSTITUTION_PENDING"  # the trader offered a substitute; the buyer answers
    SUBSTITUTED = "SUBSTITUTED"  # the buyer took the substitute: the line is now the substitute's


class SlotWindow(StrEnum):
    MORNING = "MORNING"
    MIDDAY = "MIDDAY"
    AFTERNOON = "AFTERNOON"


class CartItem(Model):
    """A product in a buyer's cart (one market at a time), kept on the server across devices."""

    id = fields.IntField(primary_key=True)
    buyer: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="cart_items", on_delete=fields.CASCADE
    )
    buyer_id: int
    product: fields.ForeignKeyRelation["Product"] = fields.ForeignKeyField(
        "models.Product", related_name="cart_items", on_delete=fields.CASCADE
    )
    product_id: int
    quantity = fields.DecimalField(max_digits=10, decimal_places=3)
    note = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "cart_item"
        unique_together = (("buyer", "product"),)


class Order(Model):
    """One buyer's order from one market: one courier trip. Money in whole rupiah."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=24, unique=True)
    buyer: fields.ForeignKeyRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="orders", on_delete=fields.RESTRICT
    )
    buyer_id: int
    market: fields.ForeignKeyRelation["Market"] = fields.ForeignKeyField(
        "models.Market", related_name="orders", on_delete=fields.RESTRICT
    )
    market_id: int
    status = fields.CharEnumField(OrderStatus, max_length=20, db_index=True)
    payment_method = fields.CharEnumField(PaymentMethod, max_length=16)
    payment_status = fields.CharEnumField(PaymentStatus, max_length=8, default=PaymentStatus.UNPAID)
    payment_due_at = fields.DatetimeField(null=True)
    subtotal = fields.IntField()
    delivery_fee = fields.IntField()
    total = fields.IntField()
    distance_km = fields.DecimalField(max_digits=6, decimal_places=2)
    address_line = fields.CharField(max_length=255)
    address_area = fields.CharField(max_length=120, default="")
    recipient_name = fields.CharField(max_length=120)
    recipient_phone = fields.CharField(max_length=20)
    latitude = fields.DecimalField(max_digits=9, decimal_places=6)
    longitude = fields.DecimalField(max_digits=9, decimal_places=6)
    slot_date = fields.DateField()
    slot_window = fields.CharEnumField(SlotWindow, max_length=10)
    note = fields.CharField(max_length=500, default="")
    idempotency_key = fields.CharField(max_length=100)
    request_hash = fields.CharField(max_length=64)
    cancel_reason = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    stall_orders: fields.ReverseRelation["StallOrder"]
    events: fields.ReverseRelation["OrderEvent"]

    class Meta:
        table = "orders"
        unique_together = (("buyer", "idempotency_key"),)
        indexes = (
            Index(fields=("market_id", "slot_date", "slot_window")),
            Index(fields=("market_id", "created_at")),  # reports
            Index(fields=("status", "payment_due_at")),
        )


class StallOrder(Model):
    """One stall's part of an order, which its trader accepts or rejects and prepares."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="stall_orders", on_delete=fields.CASCADE
    )
    order_id: int
    stall: fields.ForeignKeyRelation["Stall"] = fields.ForeignKeyField(
        "models.Stall", related_name="stall_orders", on_delete=fields.RESTRICT
    )
    stall_id: int
    status = fields.CharEnumField(StallOrderStatus, max_length=10, default=StallOrderStatus.PENDING)
    subtotal = fields.IntField()
    reject_reason = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    items: fields.ReverseRelation["OrderItem"]

    class Meta:
        table = "stall_order"
        indexes = (Index(fields=("stall_id", "status")),)


class OrderItem(Model):
    """A line of a stall order, with the product's name, unit and price as they were when ordered."""

    id = fields.IntField(primary_key=True)
    stall_order: fields.ForeignKeyRelation[StallOrder] = fields.ForeignKeyField(
        "models.StallOrder", related_name="items", on_delete=fields.CASCADE
    )
    stall_order_id: int
    product: fields.ForeignKeyNullableRelation["Product"] = fields.ForeignKeyField(
        "models.Product", related_name="order_items", null=True, on_delete=fields.SET_NULL
    )
    product_id: int | None
    product_name = fields.CharField(max_length=120)
    unit = fields.CharField(max_length=12)
    unit_price = fields.IntField()
    quantity = fields.DecimalField(max_digits=10, decimal_places=3)
    fulfilled_quantity = fields.DecimalField(max_digits=10, decimal_places=3, null=True)
    is_weighed = fields.BooleanField(default=False)
    line_total = fields.IntField()
    note = fields.CharField(max_length=200, default="")
    # A missing item (`services/orders/unavailable`): left the order, or waiting for the buyer's answer to a
    # substitute (`models/substitutions`).
    state = fields.CharEnumField(ItemState, max_length=20, default=ItemState.ACTIVE, db_default=ItemState.ACTIVE.value)
    unavailable_reason = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "order_item"


class OrderEvent(Model):
    """A step on an order's timeline: what happened, who did it and when."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="events", on_delete=fields.CASCADE
    )
    order_id: int
    type = fields.CharField(max_length=40)
    actor: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="order_events", null=True, on_delete=fields.SET_NULL
    )
    actor_id: int | None
    # The stall's part it is about (accepted, rejected, weighed, ready): only that part's trader sees it.
    stall_order: fields.ForeignKeyNullableRelation[StallOrder] = fields.ForeignKeyField(
        "models.StallOrder", related_name="events", null=True, on_delete=fields.CASCADE
    )
    stall_order_id: int | None
    # Words as someone wrote them (a reason) or a system reason's code; what the system says is in `params`,
    # rendered in the reader's language when read (amounts, quantities).
    message = fields.CharField(max_length=500, default="")
    params: fields.Field[dict[str, object] | None] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "order_event"
        ordering = ["created_at", "id"]


class OrderNumberCounter(Model):
    """The last order number given out on a day (WIB), for numbers like PSR-20261127-0042."""

    day = fields.DateField(primary_key=True)
    last_number = fields.IntField(default=0)

    class Meta:
        table = "order_number_counter"

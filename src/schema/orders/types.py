"""The order's types: an order as each viewer may see it, its stalls' parts, items, timeline and buyer."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry import relay

from src.models.orders import (
    ItemState,
    Order,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    SlotWindow,
    StallOrder,
    StallOrderStatus,
)
from src.schema.context import Info
from src.schema.habits.types import StallOrderRatingType
from src.schema.ids import db_ids, visible_nodes
from src.schema.lazy import lazy_class
from src.schema.markets import Location, MarketType, StallType
from src.schema.payments.types import PaymentType
from src.schema.scalars import Money, decimal_value, money
from src.schema.substitution_types import SubstitutionType
from src.services import delivery as delivery_service
from src.services import notification_texts as texts
from src.services import orders as orders_service

# A complaint shows its order: the order's complaints are a lazy reference back.
LazyComplaint = Annotated["ComplaintType", strawberry.lazy("src.schema.complaints")]  # type: ignore[name-defined]  # noqa: F821
# Delivery's types show their order: the order's delivery is a lazy reference back.
LazyDeliveryAssignment = Annotated["DeliveryAssignmentType", strawberry.lazy("src.schema.delivery.types")]  # type: ignore[name-defined]  # noqa: F821
LazyRefund = Annotated["RefundType", strawberry.lazy("src.schema.payments.refunds")]  # type: ignore[name-defined]  # noqa: F821

OrderStatusEnum = strawberry.enum(OrderStatus, name="OrderStatus")
StallOrderStatusEnum = strawberry.enum(StallOrderStatus, name="StallOrderStatus")
PaymentMethodEnum = strawberry.enum(PaymentMethod, name="PaymentMethod")
PaymentStatusEnum = strawberry.enum(PaymentStatus, name="PaymentStatus")
SlotWindowEnum = strawberry.enum(SlotWindow, name="SlotWindow")


@strawberry.type
class DeliverySlot:
    date: date
    window: SlotWindow


@strawberry.type(description="Where an order goes, or an entry of the buyer's address book (with its id and label).")
class Address:
    line: str
    area: str
    recipient_name: str
    recipient_phone: str
    location: Location
    id: relay.GlobalID | None = strawberry.field(
        default=None, description="The address book entry's id; null on an order, which keeps a copy of it."
    )
    label: str | None = strawberry.field(
        default=None, description="The entry's name (Rumah, Kantor); null on an order."
    )


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
    state: ItemState = strawberry.field(
        description="UNAVAILABLE: left the order; SUBSTITUTION_PENDING: see `substitution`."
    )
    unavailable_reason: str | None = strawberry.field(description="Why the trader could not supply it.")

    @strawberry.field(description="The substitute offered for it, if any (waiting, taken or not).")
    async def substitution(self, info: Info) -> SubstitutionType | None:
        if self.state == ItemState.ACTIVE:
            return None
        found = await info.context.loaders.substitution_by_item.load(self.id)
        return SubstitutionType.from_model(found) if found is not None else None

    @classmethod
    def from_model(cls, item: OrderItem) -> "OrderItemType":
        return cls(
            id=item.id,
            state=item.state,
            unavailable_reason=item.unavailable_reason,
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

    @strawberry.field(description="The buyer's rating of this part once delivered and rated (else null).")
    async def rating(self, info: Info) -> StallOrderRatingType | None:
        found = await info.context.loaders.rating_by_part.load(self.id)
        return StallOrderRatingType.from_model(found) if found is not None else None

    @strawberry.field(description="The order this part belongs to (its trader sees only this part of it).")
    async def order(self, info: Info) -> "OrderType | None":
        found = await info.context.loaders.order_view_by_id.load(self.order_id)
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
        if not orders_service.sees_buyer(self.viewpoint, self.contact):
            return None
        user = await info.context.loaders.user_by_id.load(self.model.buyer_id)
        if user is None:
            return None
        phone = user.phone if orders_service.sees_buyer_phone(self.viewpoint) else None
        return OrderBuyer(name=user.name, phone=phone, business_name=user.business_name)

    @strawberry.field(
        description="Its courier and delivery: for the buyer, the courier and the market's admins.",
        graphql_type=LazyDeliveryAssignment | None,
    )
    async def delivery(self, info: Info) -> Any:
        if not self.full_view:
            return None
        viewer = await info.context.get_user()
        offers = delivery_service.sees_offers(viewer, self.model)
        found = await info.context.loaders.delivery_by_order.load((self.id, offers))
        if found is None or not delivery_service.shows_delivery(viewer, self.viewpoint, found):
            return None
        return await lazy_class(LazyDeliveryAssignment).from_model(found, info)

    @strawberry.field(description="How it is paid and what is due: for the buyer and the market's admins.")
    async def payment(self, info: Info) -> PaymentType | None:
        if not orders_service.sees_payment(self.full_view, self.viewpoint):
            return None
        found = await info.context.loaders.payment_by_order.load(self.id)
        return PaymentType.from_model(found, self.model.payment_method, self.model.payment_due_at) if found else None

    @strawberry.field(description="COD: what rounding the cash to the smallest coin adds (a line of the order).")
    async def cod_rounding(self, info: Info) -> Money | None:
        if not orders_service.sees_payment(self.full_view, self.viewpoint):
            return None
        found = await info.context.loaders.payment_by_order.load(self.id)
        return money(found.cod_rounding if found else 0)

    @strawberry.field(
        description="Money given back: for the buyer and the market's admins; a trader, their part's only.",
        graphql_type=list[LazyRefund],
    )
    async def refunds(self, info: Info) -> Any:
        rows = await info.context.loaders.refunds_by_order.load(self.id)
        view = orders_service.OrderView(self.model, self.parts, self.full_view, self.viewpoint, self.contact)
        build = lazy_class(LazyRefund).from_model
        return [build(r) for r in rows if orders_service.refund_visible(view, r.stall_order_id)]

    @strawberry.field(
        description="Complaints about it: all for the buyer and the market's admins, a trader those about their part.",
        graphql_type=list[LazyComplaint],
    )
    async def complaints(self, info: Info) -> list[Any]:
        if self.viewpoint == orders_service.Viewpoint.COURIER:
            return []
        found = await info.context.loaders.complaints_by_order.load(self.id)
        if not self.full_view:  # a trader: about their own part only
            own = {p.id for p in self.parts}
            found = [c for c in found if c.stall_order_id in own]
        complaint = lazy_class(LazyComplaint)
        return [complaint.from_model(c) for c in found]

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

"""Orders: placing them (stock, fees, slots, payment, idempotency), the traders' part, cancelling, paying.

Stock never goes below zero however many buyers race: placement locks the products' rows in id order
(PostgreSQL `SELECT … FOR UPDATE`; SQLite runs transactions one at a time) and checks stock under the lock.
Every status change goes through one transition table; anything else is INVALID_STATE.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import orjson
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.catalog import PriceTier, Product, ProductStatus
from src.models.delivery import AssignmentStatus, DeliveryAssignment
from src.models.markets import Market, Stall, StallStatus
from src.models.orders import (
    CartItem,
    Order,
    OrderEvent,
    OrderItem,
    OrderNumberCounter,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    SlotWindow,
    StallOrder,
    StallOrderStatus,
)
from src.models.outbox import OutboxEvent
from src.services import dates, live, money, outbox
from src.services.catalog import on_step
from src.services.errors import DomainError, ErrorCode, ErrorCollector, invalid
from src.services.notification_texts import StatusName
from src.services.permissions import Action, authorize, may, require_role
from src.services.phones import normalize_phone
from src.services.quantities import check_quantity
from src.settings import Settings, get_settings

WIB = ZoneInfo("Asia/Jakarta")

ORDER_TRANSITIONS: set[tuple[OrderStatus, OrderStatus]] = {
    (OrderStatus.AWAITING_PAYMENT, OrderStatus.PLACED),
    (OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED),
    (OrderStatus.PLACED, OrderStatus.PROCESSING),
    (OrderStatus.PLACED, OrderStatus.READY_FOR_PICKUP),  # the only accepted part became ready at once
    (OrderStatus.PLACED, OrderStatus.CANCELLED),
    (OrderStatus.PROCESSING, OrderStatus.READY_FOR_PICKUP),
    (OrderStatus.PROCESSING, OrderStatus.CANCELLED),
    (OrderStatus.READY_FOR_PICKUP, OrderStatus.OUT_FOR_DELIVERY),
    (OrderStatus.READY_FOR_PICKUP, OrderStatus.CANCELLED),
    (OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED),
    (OrderStatus.OUT_FOR_DELIVERY, OrderStatus.READY_FOR_PICKUP),  # delivery failed: back at the market
    (OrderStatus.OUT_FOR_DELIVERY, OrderStatus.CANCELLED),
}
STALL_ORDER_TRANSITIONS: set[tuple[StallOrderStatus, StallOrderStatus]] = {
    (StallOrderStatus.PENDING, StallOrderStatus.ACCEPTED),
    (StallOrderStatus.PENDING, StallOrderStatus.REJECTED),
    (StallOrderStatus.PENDING, StallOrderStatus.CANCELLED),
    (StallOrderStatus.ACCEPTED, StallOrderStatus.READY),
    (StallOrderStatus.ACCEPTED, StallOrderStatus.CANCELLED),
    (StallOrderStatus.READY, StallOrderStatus.CANCELLED),
}
# A buyer may cancel until the courier has the goods; the market's admin until delivery.
BUYER_MAY_CANCEL = {
    OrderStatus.AWAITING_PAYMENT,
    OrderStatus.PLACED,
    OrderStatus.PROCESSING,
    OrderStatus.READY_FOR_PICKUP,
}
LIVE_ASSIGNMENT = [AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED, AssignmentStatus.PICKED_UP]
COURIER_KEEPS = [AssignmentStatus.DELIVERED, AssignmentStatus.FAILED]
LIVE_PARTS = {StallOrderStatus.PENDING, StallOrderStatus.ACCEPTED, StallOrderStatus.READY}


def order_state_error(order: Order) -> DomainError:
    """INVALID_STATE naming the order's status as people call it (not its code)."""
    return DomainError(ErrorCode.INVALID_STATE, message_key="ORDER_STATE", status=StatusName("order", order.status))


def part_state_error(part: StallOrder) -> DomainError:
    """INVALID_STATE naming the status of a stall's part of an order."""
    return DomainError(
        ErrorCode.INVALID_STATE, message_key="STALL_ORDER_STATE", status=StatusName("stall_order", part.status)
    )


def move_order(order: Order, target: OrderStatus) -> None:
    if (order.status, target) not in ORDER_TRANSITIONS:
        raise order_state_error(order)
    order.status = target


def move_stall_order(part: StallOrder, target: StallOrderStatus) -> None:
    if (part.status, target) not in STALL_ORDER_TRANSITIONS:
        raise part_state_error(part)
    part.status = target


@dataclass(frozen=True)
class ItemInput:
    product_id: int
    quantity: Decimal
    note: str = ""


@dataclass(frozen=True)
class AddressInput:
    line: str
    recipient_name: str
    recipient_phone: str
    lat: float
    lng: float
    area: str = ""


@dataclass(frozen=True)
class SlotInput:
    date: date
    window: SlotWindow


@dataclass(frozen=True)
class OrderRequest:
    items: list[ItemInput] | None  # None: the cart
    address: AddressInput
    slot: SlotInput
    payment_method: PaymentMethod
    note: str
    idempotency_key: str


# ---------------------------------------------------------------------------------------------- prices


def unit_price(price: int, tiers: list[PriceTier], quantity: Decimal) -> int:
    """The best price for this quantity: the wholesale tier with the largest minimum it reaches."""
    best = price
    for tier in sorted(tiers, key=lambda t: t.min_quantity):
        if quantity >= tier.min_quantity:
            best = min(best, tier.price)
    return best


def listed(product: Product) -> bool:
    stall: Stall = product.stall
    market: Market = stall.market
    return (
        product.status == ProductStatus.ACTIVE
        and stall.status == StallStatus.APPROVED
        and stall.is_open
        and market.is_active
    )


def _check_item_quantity(product: Product, quantity: Decimal, field: str) -> Decimal:
    checked = check_quantity(quantity, field=field)
    if not on_step(checked, minimum=product.min_quantity, step=product.quantity_step):
        raise invalid(field, "QUANTITY_NOT_ON_STEP", minimum=product.min_quantity, step=product.quantity_step)
    return checked


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


# ---------------------------------------------------------------------------------------------- cart


async def _cart_items(buyer: User) -> list[CartItem]:
    items = await CartItem.filter(buyer_id=buyer.id).select_related("product__stall__market").order_by("id")
    if items:
        await Product.fetch_for_list([i.product for i in items], "price_tiers")
    return items


async def get_cart(*, actor: User | None) -> list[CartItem]:
    return await _cart_items(require_role(actor, Role.BUYER))


async def add_to_cart(
    *, actor: User | None, product_id: int, quantity: Decimal, note: str, settings: Settings | None = None
) -> list[CartItem]:
    """Add (or add to) a product; one market at a time: another market's product is DIFFERENT_MARKET.
    A cart holds at most as many products as an order may have lines (TOO_MANY_LINES)."""
    buyer = require_role(actor, Role.BUYER)
    settings = settings or get_settings()
    product = await Product.get_or_none(id=product_id).select_related("stall__market")
    if product is None or not listed(product):
        raise DomainError(ErrorCode.NOT_FOUND, field="productId")
    await Product.fetch_for_list([product], "price_tiers")
    async with in_transaction():
        # One change at a time to a buyer's cart (their phone and laptop may add at the same moment, and
        # each add must count once): the buyer's row is the lock, NO KEY UPDATE so that rows merely
        # referring to the buyer are not held up.
        await User.select_for_update(no_key=True).get(id=buyer.id)
        items = await _cart_items(buyer)
        if any(i.product.stall.market_id != product.stall.market_id for i in items):
            raise DomainError(ErrorCode.DIFFERENT_MARKET, field="productId")
        existing = next((i for i in items if i.product_id == product.id), None)
        if existing is None:
            _check_line_count(len(items) + 1, settings, "productId")
        total = _check_item_quantity(product, quantity + (existing.quantity if existing else 0), "quantity")
        # The answer is the cart as just read with this change, not read a second time.
        if existing:
            existing.quantity, existing.note = total, (note or existing.note)[:200]
            await existing.save(update_fields=["quantity", "note"])
        else:  # ordered by id, the new line comes last
            items.append(await CartItem.create(buyer=buyer, product=product, quantity=total, note=(note or "")[:200]))
        return items


async def update_cart_item(
    *, actor: User | None, product_id: int, quantity: Decimal, note: str | None
) -> list[CartItem]:
    buyer = require_role(actor, Role.BUYER)
    item = await CartItem.get_or_none(buyer_id=buyer.id, product_id=product_id).select_related("product")
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="productId")
    item.quantity = _check_item_quantity(item.product, quantity, "quantity")
    if note is not None:
        item.note = note[:200]
    await item.save()
    return await _cart_items(buyer)


async def remove_from_cart(*, actor: User | None, product_id: int) -> list[CartItem]:
    buyer = require_role(actor, Role.BUYER)
    if not await CartItem.filter(buyer_id=buyer.id, product_id=product_id).delete():
        raise DomainError(ErrorCode.NOT_FOUND, field="productId")
    return await _cart_items(buyer)


async def clear_cart(*, actor: User | None) -> list[CartItem]:
    buyer = require_role(actor, Role.BUYER)
    await CartItem.filter(buyer_id=buyer.id).delete()
    return []


def quote_delivery(market: Market, lat: float, lng: float) -> tuple[Decimal, int]:
    """(distance, fee) from the market to an address; beyond the radius is OUT_OF_DELIVERY_AREA."""
    distance = money.distance_km(float(market.latitude), float(market.longitude), lat, lng)
    if distance > market.delivery_radius_km:
        raise DomainError(ErrorCode.OUT_OF_DELIVERY_AREA, field="address.location", radius=market.delivery_radius_km)
    fee = money.delivery_fee(base=market.base_delivery_fee, per_km=market.per_km_fee, distance_km=distance)
    return distance, fee


# ---------------------------------------------------------------------------------------------- placing


def _request_hash(request: OrderRequest, items: list[ItemInput] | None) -> str:
    listed_items = None if items is None else sorted([i.product_id, str(i.quantity.normalize()), i.note] for i in items)
    canonical = {
        "items": "cart" if listed_items is None else listed_items,
        "address": [request.address.line, request.address.area, request.address.recipient_name,
                    request.address.recipient_phone, round(request.address.lat, 6), round(request.address.lng, 6)],
        "slot": [request.slot.date.isoformat(), request.slot.window.value],
        "payment": request.payment_method.value,
        "note": request.note,
    }  # fmt: skip
    return hashlib.sha256(orjson.dumps(canonical)).hexdigest()


async def _replay(buyer: User, key: str, request_hash: str) -> Order | None:
    """The order an earlier request with this key made, if any; another request with the key is refused."""
    existing = await Order.get_or_none(buyer_id=buyer.id, idempotency_key=key)
    if existing is not None and existing.request_hash != request_hash:
        raise DomainError(ErrorCode.IDEMPOTENCY_KEY_REUSED, field="idempotencyKey")
    return existing


def _check_slot(slot: SlotInput, settings: Settings, errors: ErrorCollector) -> None:
    if errors.run(lambda: dates.check_date(slot.date, field="deliverySlot.date")) is None:
        return
    today = now().astimezone(WIB).date()
    if not today <= slot.date <= today + timedelta(days=settings.slot_days_ahead):
        errors.add(DomainError(ErrorCode.SLOT_UNAVAILABLE, field="deliverySlot.date", days=settings.slot_days_ahead))
        return
    cutoff_hour, cutoff_minute = (int(p) for p in settings.slot_cutoffs[slot.window.value].split(":"))
    cutoff = datetime.combine(slot.date, time(cutoff_hour, cutoff_minute), tzinfo=WIB)
    if now() >= cutoff:
        errors.add(DomainError(ErrorCode.SLOT_UNAVAILABLE, field="deliverySlot.window", days=settings.slot_days_ahead))


def _check_address(address: AddressInput, errors: ErrorCollector) -> str | None:
    if not address.line.strip() or len(address.line) > 255:
        errors.add(invalid("address.line", "REQUIRED"))
    if not address.recipient_name.strip() or len(address.recipient_name) > 120:
        errors.add(invalid("address.recipientName", "REQUIRED"))
    if not (-90 <= address.lat <= 90 and -180 <= address.lng <= 180):
        errors.add(invalid("address.location"))
    return errors.run(lambda: normalize_phone(address.recipient_phone, field="address.recipientPhone"))


def _check_line_count(lines: int, settings: Settings, field: str) -> None:
    if lines > settings.max_order_lines:
        raise invalid(field, "TOO_MANY_LINES", max=settings.max_order_lines)


async def place_order(*, actor: User | None, request: OrderRequest, settings: Settings) -> Order:
    """Place an order in one transaction. The same key and request give the same order, even racing."""
    buyer = require_role(actor, Role.BUYER)
    key = request.idempotency_key.strip()
    if not 1 <= len(key) <= 100:
        raise invalid("idempotencyKey", "REQUIRED")
    from_cart = request.items is None
    # The request as sent: "the cart" (which the first success empties), not what the cart holds now.
    request_hash = _request_hash(request, request.items)
    if request.items is not None:  # before any work on them: a 4,000-line request is refused at once
        _check_line_count(len(request.items), settings, "items")
    if (existing := await _replay(buyer, key, request_hash)) is not None:
        return existing
    items = request.items
    if items is None:
        items = [ItemInput(c.product_id, c.quantity, c.note) for c in await CartItem.filter(buyer_id=buyer.id)]
    if not items:
        raise invalid("items", "CART_EMPTY")
    _check_line_count(len(items), settings, "items")

    errors = ErrorCollector()
    phone = _check_address(request.address, errors)
    _check_slot(request.slot, settings, errors)
    if len(request.note) > 500:
        errors.add(invalid("note", "TOO_LONG", max_length=500))
    try:
        order = await _place(buyer, request, items, key, request_hash, phone or "", errors, settings, from_cart)
    except IntegrityError:
        # Another request with this key won the race: answer with its order.
        existing = await _replay(buyer, key, request_hash)
        if existing is None:
            raise
        return existing
    return order


async def _place(
    buyer: User,
    request: OrderRequest,
    items: list[ItemInput],
    key: str,
    request_hash: str,
    phone: str,
    errors: ErrorCollector,
    settings: Settings,
    from_cart: bool,
) -> Order:
    ids = sorted({i.product_id for i in items})
    day = _order_day()
    await _ensure_counter(day)
    async with in_transaction():
        # The products' rows locked in id order: racing buyers queue here, and never deadlock. Their stalls
        # and markets come in the same query, unlocked (OF product).
        locked = Product.filter(id__in=ids).select_for_update(of=("product",)).select_related("stall__market")
        products = {p.id: p for p in await locked.order_by("id")}
        # A twin of this request (same key) may have placed the order while this one waited for the locks:
        # answer with that order rather than with what is left of the stock.
        if (existing := await _replay(buyer, key, request_hash)) is not None:
            return existing
        await Product.fetch_for_list(list(products.values()), "price_tiers")
        market: Market | None = None
        merged: dict[int, _MergedLine] = {}
        for index, item in enumerate(items):
            where = f"items.{index}"
            product = products.get(item.product_id)
            if product is None or not listed(product):
                errors.add(DomainError(ErrorCode.NOT_FOUND, field=f"{where}.productId"))
                continue
            if market is None:
                market = product.stall.market
            elif product.stall.market_id != market.id:
                errors.add(DomainError(ErrorCode.DIFFERENT_MARKET, field=f"{where}.productId"))
                continue
            quantity = errors.run(partial(_check_item_quantity, product, item.quantity, f"{where}.quantity"))
            if quantity is None:
                continue
            summed = merged.get(product.id) or _MergedLine(product, index)
            # Lines of one product add up (each on the product's step, so is their sum); the sum is bounded
            # like any quantity, and the line where it passes the stock is the one named.
            so_far = errors.run(partial(check_quantity, summed.quantity + quantity, field=f"{where}.quantity"))
            if so_far is None:
                continue
            if so_far > product.stock:
                errors.add(DomainError(ErrorCode.OUT_OF_STOCK, field=f"{where}.quantity", available=product.stock))
                continue
            summed.quantity = so_far
            summed.notes.append(item.note)
            merged[product.id] = summed
        # One line per product, priced once on its whole quantity: split into many tiny lines, each rounded
        # on its own, goods could cost nothing (500 × 0.001 kg at Rp 400/kg) and miss their wholesale tier.
        lines: list[tuple[Product, Decimal, int, str]] = []
        for summed in merged.values():
            price = unit_price(summed.product.price, list(summed.product.price_tiers), summed.quantity)
            lines.append((summed.product, summed.quantity, price, summed.note))
        distance, fee = Decimal(0), 0
        if market is not None:
            try:
                distance, fee = quote_delivery(market, request.address.lat, request.address.lng)
            except DomainError as exc:
                errors.add(exc)

        subtotal = sum(money.line_total(q, price) for _, q, price, _ in lines)
        total = subtotal + fee
        if request.payment_method == PaymentMethod.COD and total > settings.cod_max_total:
            errors.add(
                DomainError(ErrorCode.COD_LIMIT, field="paymentMethod", limit=money.Rupiah(settings.cod_max_total))
            )
        errors.raise_if_any()
        assert market is not None

        for product, quantity, _, _ in lines:
            product.stock = product.stock - quantity
            await product.save(update_fields=["stock", "updated_at"])
        awaiting = request.payment_method != PaymentMethod.COD
        order = await Order.create(
            number=await _next_number(day),
            buyer=buyer,
            market=market,
            status=OrderStatus.AWAITING_PAYMENT if awaiting else OrderStatus.PLACED,
            payment_method=request.payment_method,
            payment_due_at=now() + timedelta(minutes=settings.payment_timeout_minutes) if awaiting else None,
            subtotal=subtotal,
            delivery_fee=fee,
            total=total,
            distance_km=distance,
            address_line=request.address.line.strip(),
            address_area=request.address.area.strip(),
            recipient_name=request.address.recipient_name.strip(),
            recipient_phone=phone,
            latitude=Decimal(str(round(request.address.lat, 6))),
            longitude=Decimal(str(round(request.address.lng, 6))),
            slot_date=request.slot.date,
            slot_window=request.slot.window,
            note=request.note.strip(),
            idempotency_key=key,
            request_hash=request_hash,
        )
        by_stall: dict[int, list[tuple[Product, Decimal, int, str]]] = {}
        for line in lines:
            by_stall.setdefault(line[0].stall_id, []).append(line)
        parts: list[StallOrder] = []
        written: list[OrderItem] = []
        for stall_lines in by_stall.values():
            part = await StallOrder.create(
                order=order,
                stall=stall_lines[0][0].stall,
                subtotal=sum(money.line_total(q, p) for _, q, p, _ in stall_lines),
            )
            part_items = [
                OrderItem(
                    stall_order=part,
                    product=product,
                    product_name=product.name,
                    unit=product.unit.value,
                    unit_price=price,
                    quantity=quantity,
                    is_weighed=product.is_weighed,
                    line_total=money.line_total(quantity, price),
                    note=note,
                )
                for product, quantity, price, note in stall_lines
            ]
            await OrderItem.bulk_create(part_items)
            parts.append(part)
            written.extend(part_items)
        await record_event(order, "AWAITING_PAYMENT" if awaiting else "PLACED", buyer, written=(parts, written))
        if from_cart:
            await CartItem.filter(buyer_id=buyer.id).delete()
        # The market's row is the slot's lock, taken last: every order of the market queues on it, so it
        # is held only for the count and the commit. The count includes this order. NO KEY UPDATE: the
        # order's foreign key already holds KEY SHARE on the row, which a plain FOR UPDATE would wait on
        # (two orders, each waiting for the other's KEY SHARE: a deadlock).
        await Market.select_for_update(no_key=True).get(id=market.id)
        if await _slot_taken(market.id, request.slot, up_to=settings.slot_capacity + 1) > settings.slot_capacity:
            raise DomainError(ErrorCode.SLOT_FULL, field="deliverySlot.window")
    return order


@dataclass
class _MergedLine:
    """The lines of one product in an order, summed; errors name the first of them."""

    product: Product
    index: int
    quantity: Decimal = Decimal(0)
    notes: list[str] = field(default_factory=list)

    @property
    def note(self) -> str:
        return "; ".join(dict.fromkeys(n.strip() for n in self.notes if n.strip()))[:200]


async def _slot_taken(market_id: int, slot: SlotInput, *, up_to: int) -> int:
    """The slot's orders not cancelled, counted up to a bound (the index is read no further than that)."""
    return len(
        await Order.filter(market_id=market_id, slot_date=slot.date, slot_window=slot.window)
        .exclude(status=OrderStatus.CANCELLED)
        .limit(up_to)
        .values_list("id", flat=True)
    )


def _order_day() -> date:
    return now().astimezone(WIB).date()


async def _ensure_counter(day: date) -> None:
    """The day's counter row where numbers are counted per day (not PostgreSQL: its sequence is made by a
    migration), made outside the order's transaction: two first orders of a day racing to create it must
    not abort an order."""
    if get_connection("default").capabilities.dialect == "postgres":
        return
    if await OrderNumberCounter.exists(day=day):
        return
    try:
        await OrderNumberCounter.create(day=day, last_number=0)
    except IntegrityError:
        pass  # the other one made it


async def _next_number(day: date) -> str:
    """PSR-<WIB date>-<a running number>. On PostgreSQL the number comes from a sequence, which takes no
    lock (a day's counter row would make every order of the city wait for the one before to commit);
    SQLite, which writes one transaction at a time anyway, counts each day in a row of its own."""
    connection = get_connection("default")
    if connection.capabilities.dialect == "postgres":
        rows = await connection.execute_query_dict("SELECT nextval('order_number_seq') AS n")
        return f"PSR-{day:%Y%m%d}-{int(rows[0]['n']):04d}"
    counter = await OrderNumberCounter.select_for_update().get(day=day)
    counter.last_number += 1
    await counter.save(update_fields=["last_number"])
    return f"PSR-{day:%Y%m%d}-{counter.last_number:04d}"


async def record_event(
    order: Order,
    kind: str,
    actor: User | None,
    message: str = "",
    *,
    part: StallOrder | None = None,
    params: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    written: tuple[list[StallOrder], list[OrderItem]] | None = None,
) -> None:
    """A timeline step and, committed with it, the outbox event that will notify people. The event
    carries the order as it is now, so a notification sent late still tells what was true then
    (`written`: its parts, with their stalls, and items as the caller has just written them).

    `message` is what a person wrote (a reason) or a system reason's code; what the system itself says
    goes in `params`, told in each reader's language when read (see `timeline_text`). `part`: the stall's
    part the step is about, which only that part's trader (of the traders) sees."""
    await OrderEvent.create(order=order, type=kind, actor=actor, message=message[:500], stall_order=part, params=params)
    payload: dict[str, Any] = {
        "order_id": order.id,
        "actor_id": actor and actor.id,
        "message": message[:500],
        "order": order_snapshot(order, *written) if written else await snapshot(order),
        **(extra or {}),
    }
    if part is not None:
        payload["stall_order_id"] = part.id
    event = await OutboxEvent.create(topic=f"order.{kind.lower()}", payload=payload)
    outbox.note(event.id)  # handed over by the caller right after the commit
    # Its subscribers, and the courier carrying it (their queue shows it), hear of it after the commit.
    carriers = (
        []
        if kind in ("PLACED", "AWAITING_PAYMENT")  # a new order has no courier yet
        else await DeliveryAssignment.filter(order_id=order.id, status__in=LIVE_ASSIGNMENT).values_list(
            "courier_id", flat=True
        )
    )
    outbox.touch(live.order_channel(order.id), *(live.courier_channel(int(c)) for c in carriers))  # type: ignore[call-overload]


async def snapshot(order: Order) -> dict[str, Any]:
    """The order and its parts as plain data, for messages about it."""
    parts = await StallOrder.filter(order_id=order.id).select_related("stall").order_by("id")
    items = await OrderItem.filter(stall_order_id__in=[p.id for p in parts]).order_by("id")
    return order_snapshot(order, parts, items)


def order_snapshot(order: Order, parts: list[StallOrder], items: list[OrderItem]) -> dict[str, Any]:
    """`snapshot` of rows in hand: the parts (with their stalls) and items in id order."""
    return {
        "number": order.number,
        "buyer_id": order.buyer_id,
        "market_id": order.market_id,
        "address_area": order.address_area or order.address_line,
        "district": order.address_area,  # what a courier's offer names: a notification is kept for good
        "distance_km": _plain(order.distance_km),
        "total": order.total,
        "subtotal": order.subtotal,
        "delivery_fee": order.delivery_fee,
        "payment_method": order.payment_method.value,
        "payment_status": order.payment_status.value,
        "slot_date": order.slot_date.isoformat(),
        "slot_window": order.slot_window.value,
        "payment_due_at": order.payment_due_at.isoformat() if order.payment_due_at else None,
        "cancel_reason": order.cancel_reason,
        "parts": [
            {
                "id": p.id,
                "stall": p.stall.name,
                "trader_id": p.stall.trader_id,
                "subtotal": p.subtotal,
                "status": p.status.value,
                "reject_reason": p.reject_reason,
                "items": [
                    [i.product_name, _plain(i.fulfilled_quantity or i.quantity), i.unit]
                    for i in items
                    if i.stall_order_id == p.id
                ],
            }
            for p in parts
        ],
    }


# ---------------------------------------------------------------------------------------------- traders


async def _stall_order_for(actor: User | None, stall_order_id: int) -> StallOrder:
    part = await StallOrder.get_or_none(id=stall_order_id).select_related("stall", "order")
    if part is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="stallOrderId")
    authorize(actor, Action.MANAGE, part.stall)
    return part


async def _lock_order(order_id: int) -> Order:
    return await Order.select_for_update().get(id=order_id)


async def accept_stall_order(*, actor: User | None, stall_order_id: int) -> StallOrder:
    part = await _stall_order_for(actor, stall_order_id)
    async with in_transaction():
        order = await _lock_order(part.order_id)
        part = await StallOrder.select_for_update().get(id=part.id)
        if order.status not in (OrderStatus.PLACED, OrderStatus.PROCESSING):
            raise order_state_error(order)
        move_stall_order(part, StallOrderStatus.ACCEPTED)
        await part.save()
        if order.status == OrderStatus.PLACED:
            move_order(order, OrderStatus.PROCESSING)
            await order.save()
        await record_event(order, "STALL_ACCEPTED", actor, part=part)
    return part


async def reject_stall_order(*, actor: User | None, stall_order_id: int, reason: str) -> StallOrder:
    """A trader cannot supply their part: its stock returns, the order is recomputed (or cancelled)."""
    part = await _stall_order_for(actor, stall_order_id)
    cleaned = " ".join((reason or "").split())
    if not cleaned:
        raise invalid("reason", "REASON_REQUIRED")
    async with in_transaction():
        order = await _lock_order(part.order_id)
        part = await StallOrder.select_for_update().get(id=part.id)
        # Traders act on placed orders only: an unpaid transfer order is not theirs to handle yet.
        if order.status not in (OrderStatus.PLACED, OrderStatus.PROCESSING, OrderStatus.READY_FOR_PICKUP):
            raise order_state_error(order)
        move_stall_order(part, StallOrderStatus.REJECTED)
        part.reject_reason = cleaned[:500]
        await part.save()
        await _return_stock(await OrderItem.filter(stall_order_id=part.id))
        await _recompute(order)  # the event tells the new total
        await record_event(order, "STALL_REJECTED", actor, cleaned, part=part)
        await _settle(order, actor)
    return part


async def set_fulfilled_quantity(
    *, actor: User | None, order_item_id: int, quantity: Decimal, settings: Settings
) -> OrderItem:
    """The weighed amount of a weighed item, within the tolerance; the line and totals follow it."""
    item = await OrderItem.get_or_none(id=order_item_id).select_related("stall_order__stall")
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="orderItemId")
    authorize(actor, Action.MANAGE, item.stall_order.stall)
    if not item.is_weighed:
        raise DomainError(ErrorCode.INVALID_STATE, field="orderItemId", message_key="NOT_WEIGHED")
    weighed = check_quantity(quantity, field="quantity")
    tolerance = item.quantity * Decimal(str(settings.weighed_tolerance))
    if abs(weighed - item.quantity) > tolerance:
        raise invalid("quantity", "OUTSIDE_TOLERANCE", percent=Decimal(str(settings.weighed_tolerance)) * 100)
    async with in_transaction():
        order = await _lock_order(item.stall_order.order_id)
        part = await StallOrder.select_for_update().get(id=item.stall_order_id)
        if part.status != StallOrderStatus.ACCEPTED:
            raise part_state_error(part)
        item = await OrderItem.select_for_update().get(id=item.id)
        previous = item.fulfilled_quantity if item.fulfilled_quantity is not None else item.quantity
        if item.product_id is not None:
            product = await Product.select_for_update().get(id=item.product_id)
            # What is weighed out beyond the order leaves the stock too, so it must be there.
            if weighed - previous > product.stock:
                raise DomainError(ErrorCode.OUT_OF_STOCK, field="quantity", available=product.stock)
            product.stock = product.stock + previous - weighed
            await product.save(update_fields=["stock", "updated_at"])
        item.fulfilled_quantity = weighed
        item.line_total = money.line_total(weighed, item.unit_price)
        await item.save()
        await _recompute(order)  # the event tells the new total
        weighing = {"item": item.product_name, "quantity": _plain(weighed), "unit": item.unit}
        await record_event(order, "WEIGHED", actor, part=part, params=weighing, extra=weighing)
        await _settle(order, actor)
    return item


async def mark_stall_order_ready(*, actor: User | None, stall_order_id: int) -> StallOrder:
    part = await _stall_order_for(actor, stall_order_id)
    async with in_transaction():
        order = await _lock_order(part.order_id)
        part = await StallOrder.select_for_update().get(id=part.id)
        move_stall_order(part, StallOrderStatus.READY)
        await part.save()
        await record_event(order, "STALL_READY", actor, part=part)
        await _settle(order, actor)
    return part


async def _recompute(order: Order) -> list[StallOrder]:
    """The live parts' subtotals and the order's totals from their items (saved); returns the live parts."""
    parts = await StallOrder.filter(order_id=order.id)
    live = [p for p in parts if p.status in LIVE_PARTS]
    for part in live:
        part.subtotal = sum(i.line_total for i in await OrderItem.filter(stall_order_id=part.id))
        await part.save(update_fields=["subtotal", "updated_at"])
    order.subtotal = sum(p.subtotal for p in live)
    order.total = order.subtotal + order.delivery_fee
    await order.save(update_fields=["subtotal", "total", "updated_at"])
    return live


async def _settle(order: Order, actor: User | None) -> None:
    """After a part changed: totals recomputed; cancelled when no part is left; ready when all are ready."""
    live = await _recompute(order)
    if not live:
        move_order(order, OrderStatus.CANCELLED)
        order.cancel_reason = "ALL_PARTS_REJECTED"
        order.payment_status = (
            PaymentStatus.VOID if order.payment_status == PaymentStatus.UNPAID else order.payment_status
        )
        await record_event(order, "CANCELLED", actor, "ALL_PARTS_REJECTED")
    elif all(p.status == StallOrderStatus.READY for p in live) and order.status in (
        OrderStatus.PLACED,
        OrderStatus.PROCESSING,
    ):
        move_order(order, OrderStatus.READY_FOR_PICKUP)
        await record_event(order, "READY_FOR_PICKUP", actor)
    await order.save()


async def _return_stock(items: list[OrderItem]) -> None:
    for item in sorted(items, key=lambda i: i.product_id or 0):
        if item.product_id is None:
            continue
        product = await Product.select_for_update().get_or_none(id=item.product_id)
        if product is not None:
            product.stock = product.stock + (
                item.fulfilled_quantity if item.fulfilled_quantity is not None else item.quantity
            )
            await product.save(update_fields=["stock", "updated_at"])


# ---------------------------------------------------------------------------------------------- buyers, admins


async def cancel_order(*, actor: User | None, order_id: int, reason: str) -> Order:
    """The buyer before pickup, the market's admin before delivery; the stock comes back."""
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="orderId")
    is_buyer = actor is not None and actor.id == order.buyer_id
    if not is_buyer:
        authorize(actor, Action.ADMINISTER, order)
    cleaned = " ".join((reason or "").split())
    if not cleaned:
        raise invalid("reason", "REASON_REQUIRED")
    return await _cancel(order.id, actor, cleaned[:500], allowed=BUYER_MAY_CANCEL if is_buyer else None)


async def _cancel(order_id: int, actor: User | None, reason: str, *, allowed: set[OrderStatus] | None = None) -> Order:
    """Cancel under the order's lock; `allowed` limits the statuses this caller may cancel from."""
    async with in_transaction():
        order = await _lock_order(order_id)
        if allowed is not None and order.status not in allowed:
            raise order_state_error(order)
        move_order(order, OrderStatus.CANCELLED)
        order.cancel_reason = reason
        if order.payment_status == PaymentStatus.UNPAID:
            order.payment_status = PaymentStatus.VOID
        await order.save()
        parts = await StallOrder.filter(order_id=order.id).select_for_update().order_by("id")
        live = [p for p in parts if p.status in LIVE_PARTS]
        # Every part's items at once, so the products are locked in id order as everywhere else.
        await _return_stock(await OrderItem.filter(stall_order_id__in=[p.id for p in live]))
        for part in live:
            move_stall_order(part, StallOrderStatus.CANCELLED)
            await part.save()
        from src.services import delivery  # delivery builds on orders

        courier_id = await delivery.withdraw_for_order(order, reason)
        await record_event(order, "CANCELLED", actor, reason, extra={"courier_id": courier_id})
    return order


async def confirm_payment(*, actor: User | None, order_id: int) -> Order:
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="orderId")
    authorize(actor, Action.ADMINISTER, order)
    async with in_transaction():
        order = await _lock_order(order.id)
        move_order(order, OrderStatus.PLACED)
        order.payment_status = PaymentStatus.PAID
        await order.save()
        await record_event(order, "PAYMENT_CONFIRMED", actor)
    return order


async def expire_unpaid_orders() -> int:
    """Cancel transfer/QRIS orders whose payment did not come in time, returning their stock."""
    expired = await Order.filter(status=OrderStatus.AWAITING_PAYMENT, payment_due_at__lt=now()).values("id")
    count = 0
    for row in expired:
        try:
            # Only from AWAITING_PAYMENT, checked under the lock: a payment confirmed meanwhile wins.
            await _cancel(int(row["id"]), None, "PAYMENT_EXPIRED", allowed={OrderStatus.AWAITING_PAYMENT})
            count += 1
        except DomainError:
            continue
    return count


# ---------------------------------------------------------------------------------------------- reading


class Viewpoint(StrEnum):
    """How a viewer stands to an order, which decides what of it they see."""

    BUYER = "BUYER"
    TRADER = "TRADER"  # their own part only, and the buyer's name, not how to reach them
    COURIER = "COURIER"  # what to fetch and where it goes, the address only while they need it
    ADMIN = "ADMIN"  # the market's admins: everything


class OrderView(NamedTuple):
    """An order as one viewer may see it: the parts they see, whether they see the whole order's money,
    how they stand to it, and whether they see how to reach the buyer (address, recipient, phone)."""

    order: Order
    parts: list[StallOrder]
    full_view: bool
    viewpoint: Viewpoint
    contact: bool


async def get_order(*, actor: User | None, order_id: int, settings: Settings | None = None) -> OrderView | None:
    """An order as this user may see it (see OrderView), or None when it is none of theirs: the buyer
    and the market's admins see all of it, a trader only their own part, its courier what the delivery
    needs (the buyer's address and phone until `courier_contact_grace_hours` after it ended)."""
    order = await Order.get_or_none(id=order_id)
    if order is None or actor is None:
        return None
    parts = await StallOrder.filter(order_id=order.id).select_related("stall").order_by("id")
    if actor.id == order.buyer_id:
        return OrderView(order, parts, True, Viewpoint.BUYER, True)
    if may(actor, Action.ADMINISTER, order):
        return OrderView(order, parts, True, Viewpoint.ADMIN, True)
    if actor.role == Role.COURIER:
        # Its courier (offered, carrying or having carried it) sees all of it: what to fetch, where it goes.
        assignments = await DeliveryAssignment.filter(
            order_id=order.id, courier_id=actor.id, status__in=[*LIVE_ASSIGNMENT, *COURIER_KEEPS]
        )
        if not assignments:
            return None
        from src.services import delivery  # delivery builds on orders

        rules = settings or get_settings()
        contact = any(delivery.courier_sees_contact(a, rules) for a in assignments)
        return OrderView(order, parts, True, Viewpoint.COURIER, contact)
    own = [p for p in parts if p.stall.trader_id == actor.id]
    if not own:
        return None
    return OrderView(order, own, False, Viewpoint.TRADER, False)


# Who sees which step of an order's timeline. Traders: the order's own milestones and their part's steps
# (not another stall's weighing or reasons, nor the cash collected); couriers: the delivery's steps, with
# the cash they collected short or over (theirs to settle); the buyer: all but the market's internal
# bookkeeping (a COD difference, dispatching); the market's admins: everything.
ORDER_MILESTONES = {"PLACED", "PAYMENT_CONFIRMED", "READY_FOR_PICKUP", "PICKED_UP", "DELIVERED", "CANCELLED"}
PART_STEPS = {"STALL_ACCEPTED", "STALL_REJECTED", "WEIGHED", "STALL_READY"}
DELIVERY_STEPS = {
    "READY_FOR_PICKUP",
    "COURIER_ASSIGNED",
    "PICKED_UP",
    "DELIVERED",
    "DELIVERY_FAILED",
    "COD_MISMATCH",
    "CANCELLED",
}
INTERNAL_STEPS = {"COD_MISMATCH", "NO_COURIER", "COURIER_UNASSIGNED"}


def event_visible(view: OrderView, event: OrderEvent) -> bool:
    """Whether this viewer of the order sees this step of its timeline."""
    if view.viewpoint == Viewpoint.ADMIN:
        return True
    if view.viewpoint == Viewpoint.BUYER:
        return event.type not in INTERNAL_STEPS
    if view.viewpoint == Viewpoint.COURIER:
        return event.type in DELIVERY_STEPS
    if event.type in PART_STEPS:  # a trader: only their own part's (an old step naming no part: nobody's)
        return event.stall_order_id is not None and event.stall_order_id in {p.id for p in view.parts}
    return event.type in ORDER_MILESTONES


def visible_events(view: OrderView, events: list[OrderEvent]) -> list[OrderEvent]:
    return [e for e in events if event_visible(view, e)]


async def _part_visible(actor: User | None, part: StallOrder) -> bool:
    found = await get_order(actor=actor, order_id=part.order_id)
    return found is not None and part.id in {p.id for p in found[1]}


async def visible_part(actor: User | None, part_id: int) -> StallOrder | None:
    """A stall's part of an order, for who sees it in the order: the buyer, the admins, that part's trader."""
    part = await StallOrder.get_or_none(id=part_id)
    return part if part is not None and await _part_visible(actor, part) else None


async def visible_item(actor: User | None, item_id: int) -> OrderItem | None:
    """An order's item, visible where its part is."""
    item = await OrderItem.get_or_none(id=item_id).select_related("stall_order")
    return item if item is not None and await _part_visible(actor, item.stall_order) else None


async def parts_of(order_ids: list[int]) -> dict[int, list[StallOrder]]:
    """The parts (with their stalls) of several orders, in one query."""
    grouped: dict[int, list[StallOrder]] = {}
    for part in await StallOrder.filter(order_id__in=order_ids or [0]).select_related("stall").order_by("id"):
        grouped.setdefault(part.order_id, []).append(part)
    return grouped


async def my_orders(*, actor: User | None, status: OrderStatus | None, after_id: int | None, limit: int) -> list[Order]:
    buyer = require_role(actor, Role.BUYER)
    query = Order.filter(buyer_id=buyer.id)
    if status is not None:
        query = query.filter(status=status)
    if after_id is not None:
        query = query.filter(id__lt=after_id)
    return await query.order_by("-id").limit(limit)


async def stall_orders(
    *, actor: User | None, status: StallOrderStatus | None, after_id: int | None, limit: int
) -> list[StallOrder]:
    trader = require_role(actor, Role.TRADER)
    query = StallOrder.filter(stall__trader_id=trader.id).exclude(order__status=OrderStatus.AWAITING_PAYMENT)
    if status is not None:
        query = query.filter(status=status)
    if after_id is not None:
        query = query.filter(id__lt=after_id)
    return await query.order_by("-id").limit(limit).select_related("stall", "order")

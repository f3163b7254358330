"""Placing an order: the request, its checks, and one transaction that takes the stock, numbers and records it.

Stock never goes below zero however many buyers race: placement locks the products' rows in id order
(PostgreSQL `SELECT … FOR UPDATE`; SQLite runs transactions one at a time) and checks stock under the lock.
The same idempotency key and request give the same order, even racing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

import orjson
from tortoise.exceptions import IntegrityError
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.orders import (
    CartItem,
    Order,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    SlotWindow,
    StallOrder,
)
from src.services import addresses, catalog, hours, payments
from src.services import markets as markets_service
from src.services.common import dates, money
from src.services.common.dates import WIB
from src.services.common.errors import DomainError, ErrorCode, ErrorCollector, invalid
from src.services.common.phones import normalize_phone
from src.services.common.quantities import check_quantity
from src.services.orders.numbers import ensure_counter, next_number, order_day
from src.services.orders.pricing import check_item_quantity, check_line_count, quote_delivery, shown, unit_price
from src.services.orders.timeline import record_event
from src.services.permissions import require_role
from src.settings import Settings

if TYPE_CHECKING:
    from src.models.catalog import Product
    from src.models.habits import Address
    from src.models.markets import Market


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
    address: AddressInput | None  # None: the saved address `address_id` (exactly one of the two)
    slot: SlotInput
    payment_method: PaymentMethod
    note: str
    idempotency_key: str
    address_id: int | None = None


def _request_hash(request: OrderRequest, items: list[ItemInput] | None) -> str:
    listed_items = None if items is None else sorted([i.product_id, str(i.quantity.normalize()), i.note] for i in items)
    address = request.address
    canonical = {
        "items": "cart" if listed_items is None else listed_items,
        # A saved address by its id: a retry after the entry was edited is still the same request.
        "address": ["saved", request.address_id] if address is None else
                   [address.line, address.area, address.recipient_name, address.recipient_phone,
                    round(address.lat, 6), round(address.lng, 6)],
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
    today = dates.today()
    if not today <= slot.date <= today + timedelta(days=settings.slot_days_ahead):
        errors.add(DomainError(ErrorCode.SLOT_UNAVAILABLE, field="deliverySlot.date", days=settings.slot_days_ahead))
        return
    cutoff_hour, cutoff_minute = (int(p) for p in settings.slot_cutoffs[slot.window.value].split(":"))
    cutoff = datetime.combine(slot.date, time(cutoff_hour, cutoff_minute), tzinfo=WIB)
    if now() >= cutoff:
        errors.add(DomainError(ErrorCode.SLOT_UNAVAILABLE, field="deliverySlot.window", days=settings.slot_days_ahead))


def _address_of(saved: Address) -> AddressInput:
    return AddressInput(
        line=saved.line,
        recipient_name=saved.recipient_name,
        recipient_phone=saved.recipient_phone,
        lat=float(saved.latitude),
        lng=float(saved.longitude),
        area=saved.area,
    )


def _check_address(address: AddressInput, errors: ErrorCollector) -> str | None:
    if not address.line.strip() or len(address.line) > 255:
        errors.add(invalid("address.line", "REQUIRED"))
    if not address.recipient_name.strip() or len(address.recipient_name) > 120:
        errors.add(invalid("address.recipientName", "REQUIRED"))
    if not (-90 <= address.lat <= 90 and -180 <= address.lng <= 180):
        errors.add(invalid("address.location"))
    return errors.run(lambda: normalize_phone(address.recipient_phone, field="address.recipientPhone"))


async def place_order(*, actor: User | None, request: OrderRequest, settings: Settings) -> Order:
    """Place an order in one transaction. The same key and request give the same order, even racing."""
    buyer = require_role(actor, Role.BUYER)
    key = request.idempotency_key.strip()
    if not 1 <= len(key) <= 100:
        raise invalid("idempotencyKey", "REQUIRED")
    if (request.address is None) == (request.address_id is None):
        raise invalid("addressId", "ADDRESS_OR_SAVED_ADDRESS")
    from_cart = request.items is None
    # The request as sent: "the cart" (which the first success empties), not what the cart holds now.
    request_hash = _request_hash(request, request.items)
    if request.items is not None:  # before any work on them: a 4,000-line request is refused at once
        check_line_count(len(request.items), settings, "items")
    if (existing := await _replay(buyer, key, request_hash)) is not None:
        return existing
    if request.address_id is not None:  # the order keeps a copy: a later edit of the entry leaves it as placed
        request = replace(
            request, address=_address_of(await addresses.saved_address(buyer=buyer, address_id=request.address_id))
        )
    items = request.items
    if items is None:
        items = [ItemInput(c.product_id, c.quantity, c.note) for c in await CartItem.filter(buyer_id=buyer.id)]
    if not items:
        raise invalid("items", "CART_EMPTY")
    check_line_count(len(items), settings, "items")

    errors = ErrorCollector()
    assert request.address is not None
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
    address = request.address
    assert address is not None
    ids = sorted({i.product_id for i in items})
    day = order_day()
    await ensure_counter(day)
    async with in_transaction():
        # The products' rows locked in id order: racing buyers queue here, and never deadlock. Their stalls
        # and markets come in the same query, unlocked (OF product).
        products = await catalog.lock_products_with_markets(ids)
        # A twin of this request (same key) may have placed the order while this one waited for the locks:
        # answer with that order rather than with what is left of the stock.
        if (existing := await _replay(buyer, key, request_hash)) is not None:
            return existing
        await catalog.with_price_tiers(list(products.values()))
        market: Market | None = None
        merged: dict[int, _MergedLine] = {}
        for index, item in enumerate(items):
            where = f"items.{index}"
            product = products.get(item.product_id)
            if product is None or not shown(product):
                errors.add(DomainError(ErrorCode.NOT_FOUND, field=f"{where}.productId"))
                continue
            # Closed now, or not open on the slot's day: named with the stall's next opening (WIB).
            closed = hours.closed_for(product.stall, product.stall.market, slot_date=request.slot.date, at=now())
            if closed is not None:
                closed.field = f"{where}.productId"
                errors.add(closed)
                continue
            if market is None:
                market = product.stall.market
            elif product.stall.market_id != market.id:
                errors.add(DomainError(ErrorCode.DIFFERENT_MARKET, field=f"{where}.productId"))
                continue
            quantity = errors.run(partial(check_item_quantity, product, item.quantity, f"{where}.quantity"))
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
                distance, fee = quote_delivery(market, address.lat, address.lng)
            except DomainError as exc:
                if request.address_id is not None:  # the saved address is the input at fault
                    exc.field = "addressId"
                errors.add(exc)

        destination = None
        if market is not None and lines:
            destination = await payments.destination_for(market.id, {p.stall_id for p, _, _, _ in lines})
            errors.run(partial(payments.check_method, request.payment_method, destination))
        subtotal = sum(money.line_total(q, price) for _, q, price, _ in lines)
        total = subtotal + fee
        if request.payment_method == PaymentMethod.COD and total > settings.cod_max_total:
            errors.add(
                DomainError(ErrorCode.COD_LIMIT, field="paymentMethod", limit=money.Rupiah(settings.cod_max_total))
            )
        errors.raise_if_any()
        assert market is not None

        for product, quantity, _, _ in lines:
            await catalog.change_stock(product, product.stock - quantity)
        awaiting = request.payment_method != PaymentMethod.COD
        order = await Order.create(
            number=await next_number(day),
            buyer=buyer,
            market=market,
            status=OrderStatus.AWAITING_PAYMENT if awaiting else OrderStatus.PLACED,
            payment_method=request.payment_method,
            payment_due_at=now() + timedelta(minutes=settings.payment_timeout_minutes) if awaiting else None,
            subtotal=subtotal,
            delivery_fee=fee,
            total=total,
            distance_km=distance,
            address_line=address.line.strip(),
            address_area=address.area.strip(),
            recipient_name=address.recipient_name.strip(),
            recipient_phone=phone,
            latitude=Decimal(str(round(address.lat, 6))),
            longitude=Decimal(str(round(address.lng, 6))),
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
        await markets_service.lock_market(market.id)
        if await _slot_taken(market.id, request.slot, up_to=settings.slot_capacity + 1) > settings.slot_capacity:
            raise DomainError(ErrorCode.SLOT_FULL, field="deliverySlot.window")
        # Under the market's row lock: a transfer's unique code is chosen one order at a time.
        await payments.open_payment(order, destination, settings)
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

"""Reordering: a buyer's earlier order put back in the cart, what is still listed at today's prices.

Each line of the order (in the order's order: part by part, item by item) goes into the cart with its
quantity and note, added to what the cart already holds of that product; a line that cannot (the product
gone or off sale, its stall closed, too little stock, a quantity its product no longer sells, a full cart)
is named as `items.N` with the product's name, and the others are added all the same.
"""

from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.catalog import Product, ProductStatus
from src.models.markets import StallStatus
from src.models.orders import CartItem, Order, OrderItem
from src.services.common.errors import DomainError, ErrorCode
from src.services.orders.pricing import check_item_quantity
from src.services.permissions import require_role
from src.settings import Settings


@dataclass(frozen=True)
class Reordered:
    """What a reorder added (the cart's product ids it touched) and why each other line was left out."""

    added: list[int]
    left_out: list[DomainError]


def _left_out(code: ErrorCode, field: str, message_key: str, name: str, **params: Any) -> DomainError:
    return DomainError(code, field=field, message_key=message_key, item=name, **params)


def _why_not(product: Product | None, name: str, field: str) -> DomainError | None:
    """Why an order's line cannot be bought now (as `orders.pricing.listed` decides), or None."""
    if product is None or product.status == ProductStatus.ARCHIVED:
        return _left_out(ErrorCode.NOT_FOUND, field, "REORDER_GONE", name)
    if product.stall.status != StallStatus.APPROVED or not product.stall.market.is_active:
        return _left_out(ErrorCode.NOT_FOUND, field, "REORDER_GONE", name)
    if product.status != ProductStatus.ACTIVE:
        return _left_out(ErrorCode.NOT_FOUND, field, "REORDER_OFF_SALE", name)
    if not product.stall.is_open:
        return _left_out(ErrorCode.STALL_CLOSED, field, "REORDER_STALL_CLOSED", name)
    return None  # listed: active, of an approved and open stall, in an active market


async def reorder(*, actor: User | None, order_id: int, settings: Settings) -> Reordered:
    """Fill the buyer's cart from one of their orders (another buyer's is NOT_FOUND). A cart holding another
    market's goods is DIFFERENT_MARKET and nothing is added; otherwise each line that cannot be added is named."""
    buyer = require_role(actor, Role.BUYER)
    order = await Order.get_or_none(id=order_id)
    if order is None or order.buyer_id != buyer.id:
        raise DomainError(ErrorCode.NOT_FOUND, field="orderId")
    lines = await OrderItem.filter(stall_order__order_id=order.id).order_by("stall_order_id", "id")
    ids = {line.product_id for line in lines if line.product_id is not None}
    products = {p.id: p for p in await Product.filter(id__in=ids).select_related("stall__market")} if ids else {}
    left_out: list[DomainError] = []
    added: list[int] = []
    async with in_transaction():
        # The lock add_to_cart takes: one change at a time to a buyer's cart.
        await User.select_for_update(no_key=True).get(id=buyer.id)
        cart = {c.product_id: c for c in await CartItem.filter(buyer_id=buyer.id).select_related("product__stall")}
        if any(c.product.stall.market_id != order.market_id for c in cart.values()):
            raise DomainError(ErrorCode.DIFFERENT_MARKET, field="orderId")
        for n, line in enumerate(lines):
            field = f"items.{n}"
            product = products.get(line.product_id) if line.product_id is not None else None
            name = product.name if product is not None else line.product_name
            if (refused := _why_not(product, name, field)) is not None:
                left_out.append(refused)
                continue
            assert product is not None
            existing = cart.get(product.id)
            if existing is None and len(cart) >= settings.max_order_lines:
                left_out.append(_left_out(ErrorCode.INVALID_INPUT, field, "REORDER_TOO_MANY_LINES", name,
                                          max=settings.max_order_lines))  # fmt: skip
                continue
            wanted = line.quantity + (existing.quantity if existing is not None else 0)
            try:
                total = check_item_quantity(product, wanted, field)
            except DomainError:
                left_out.append(_left_out(ErrorCode.INVALID_INPUT, field, "REORDER_QUANTITY", name,
                                          minimum=product.min_quantity, step=product.quantity_step))  # fmt: skip
                continue
            if total > product.stock:
                left_out.append(_left_out(ErrorCode.OUT_OF_STOCK, field, "REORDER_OUT_OF_STOCK", name,
                                          available=product.stock))  # fmt: skip
                continue
            if existing is not None:
                existing.quantity = total
                existing.note = existing.note or line.note
                await existing.save(update_fields=["quantity", "note"])
            else:
                cart[product.id] = await CartItem.create(buyer_id=buyer.id, product_id=product.id, quantity=total,
                                                         note=line.note[:200])  # fmt: skip
            added.append(product.id)
    return Reordered(added=added, left_out=left_out)

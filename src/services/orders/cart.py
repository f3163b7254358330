"""The buyer's cart: one market at a time, at most an order's lines, each quantity on its product's step."""

from decimal import Decimal

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.orders import CartItem
from src.services import catalog, hours
from src.services.common.errors import DomainError, ErrorCode
from src.services.orders.pricing import check_item_quantity, check_line_count, shown
from src.services.permissions import require_role
from src.settings import Settings, get_settings


async def _cart_items(buyer: User) -> list[CartItem]:
    items = await CartItem.filter(buyer_id=buyer.id).select_related("product__stall__market").order_by("id")
    if items:
        await catalog.with_price_tiers([i.product for i in items])
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
    product = await catalog.product_with_market(product_id)
    if product is None or not shown(product):
        raise DomainError(ErrorCode.NOT_FOUND, field="productId")
    if (closed := hours.closed_for(product.stall, product.stall.market, slot_date=None, at=now())) is not None:
        closed.field = "productId"
        raise closed
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
            check_line_count(len(items) + 1, settings, "productId")
        total = check_item_quantity(product, quantity + (existing.quantity if existing else 0), "quantity")
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
    item.quantity = check_item_quantity(item.product, quantity, "quantity")
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

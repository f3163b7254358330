"""The trader's morning in bulk: today's prices, stock and what is for sale, for up to 200 products at once.

All or nothing, in one transaction and a constant number of statements whatever the number of items: the
products (locked) and their wholesale tiers are read in two queries, every item is checked against them, and
one UPDATE writes them all. Each failing item is named (`items.3.price`); one bad item changes nothing.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.catalog import PriceTier, Product, ProductStatus
from src.services.catalog import check_price
from src.services.common.errors import DomainError, ErrorCode, ErrorCollector, invalid
from src.services.common.quantities import check_quantity
from src.services.markets import trader_stall
from src.services.permissions import require_role

MAX_ITEMS = 200


@dataclass(frozen=True)
class ProductChange:
    product_id: int
    price: int | None = None
    stock: Decimal | None = None
    active: bool | None = None  # False: not for sale for now (hidden, kept); True: for sale again


def _check_item(
    index: int,
    change: ProductChange,
    product: Product | None,
    stall_id: int,
    tiers: list[PriceTier],
    errors: ErrorCollector,
) -> None:
    """One item against its product (as locked); the product is changed in memory when it passes."""
    where = f"items.{index}"
    if product is None:
        errors.add(DomainError(ErrorCode.NOT_FOUND, field=f"{where}.productId"))
        return
    if product.stall_id != stall_id:
        errors.add(DomainError(ErrorCode.PERMISSION_DENIED, field=f"{where}.productId"))
        return
    if product.status == ProductStatus.ARCHIVED:
        errors.add(DomainError(ErrorCode.INVALID_STATE, field=f"{where}.productId", message_key="ARCHIVED"))
        return
    if change.price is None and change.stock is None and change.active is None:
        errors.add(invalid(where, "NOTHING_TO_CHANGE"))
        return
    if change.price is not None:
        price = errors.run(partial(check_price, change.price, field=f"{where}.price"))
        # Wholesale tiers stay cheaper than the unit price they discount.
        if price is not None and any(t.price >= price for t in tiers):
            errors.add(invalid(f"{where}.price", "TIERS_OUT_OF_ORDER"))
        elif price is not None:
            product.price = price
    if change.stock is not None:
        stock = errors.run(partial(check_quantity, change.stock, field=f"{where}.stock", allow_zero=True))
        if stock is not None:
            product.stock = stock
    if change.active is not None:
        product.status = ProductStatus.ACTIVE if change.active else ProductStatus.INACTIVE


def check_item_count(count: int) -> None:
    """At most MAX_ITEMS changes at once (TOO_MANY_ITEMS): checked before the ids are even decoded."""
    if count > MAX_ITEMS:
        raise invalid("items", "TOO_MANY_ITEMS", max=MAX_ITEMS)


async def update_products(*, actor: User | None, changes: list[ProductChange]) -> list[Product]:
    """Change price, stock and sale of the trader's own products, all or nothing; returns them in input order."""
    trader = require_role(actor, Role.TRADER)
    if not changes:
        raise invalid("items", "REQUIRED")
    check_item_count(len(changes))
    errors = ErrorCollector()
    seen: set[int] = set()
    for index, change in enumerate(changes):
        if change.product_id in seen:
            errors.add(invalid(f"items.{index}.productId", "DUPLICATE"))
        seen.add(change.product_id)
    errors.raise_if_any()
    stall = await trader_stall(trader)
    async with in_transaction():
        locked = Product.filter(id__in=sorted(seen)).select_for_update().order_by("id")
        products = {p.id: p for p in await locked}
        tiers: dict[int, list[PriceTier]] = {}
        for tier in await PriceTier.filter(product_id__in=list(products)):
            tiers.setdefault(tier.product_id, []).append(tier)
        for index, change in enumerate(changes):
            product = products.get(change.product_id)
            _check_item(index, change, product, stall.id, tiers.get(change.product_id, []), errors)
        errors.raise_if_any()
        stamp = now()
        for product in products.values():
            product.updated_at = stamp
        await Product.bulk_update(list(products.values()), fields=["price", "stock", "status", "updated_at"])
    return [products[c.product_id] for c in changes]

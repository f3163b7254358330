"""Products: created and edited only by their stall's trader, validated, archived instead of deleted."""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.catalog import Category, PriceTier, Product, ProductStatus, Unit
from src.models.markets import Stall
from src.services import search
from src.services.common.errors import DomainError, ErrorCode, ErrorCollector, invalid
from src.services.common.quantities import check_quantity
from src.services.common.text import clean_text
from src.services.markets import trader_stall
from src.services.permissions import Action, authorize, require_role

MAX_PRICE = 100_000_000  # Rp 100 juta per unit: anything above is a typo
MAX_TIERS = 10
NAME_MAX = 120
DESCRIPTION_MAX = 2000


@dataclass(frozen=True)
class TierInput:
    min_quantity: Decimal
    price: int


@dataclass
class ProductFields:
    """What a trader sends; None means "not given" (on update: unchanged)."""

    name: str | None = None
    description: str | None = None
    category_id: int | None = None
    unit: str | None = None
    price: int | None = None
    stock: Decimal | None = None
    min_quantity: Decimal | None = None
    quantity_step: Decimal | None = None
    is_weighed: bool | None = None
    price_tiers: list[TierInput] | None = field(default=None)


def parse_unit(value: str, *, field: str = "unit") -> Unit:
    try:
        return Unit(value.strip().upper())
    except ValueError as exc:
        units = ", ".join(u.value for u in Unit)
        raise invalid(field, "UNKNOWN_UNIT", units=units) from exc


def check_price(value: int, *, field: str) -> int:
    if value <= 0:
        raise invalid(field, "MUST_BE_POSITIVE")
    if value > MAX_PRICE:
        raise invalid(field, "PRICE_TOO_HIGH")
    return value


def on_step(quantity: Decimal, *, minimum: Decimal, step: Decimal) -> bool:
    """Whether a quantity is the minimum plus whole steps (0.5 kg minimum, 0.25 kg step: 0.75 is fine)."""
    return quantity >= minimum and (quantity - minimum) % step == 0


def _check_tiers(
    tiers: list[TierInput], *, price: int, minimum: Decimal, step: Decimal, errors: ErrorCollector
) -> list[TierInput]:
    if len(tiers) > MAX_TIERS:
        errors.add(invalid("priceTiers", "TOO_MANY_TIERS", max=MAX_TIERS))
        return []
    checked: list[TierInput] = []
    for index, tier in enumerate(tiers):
        where = f"priceTiers.{index}"
        quantity = errors.run(partial(check_quantity, tier.min_quantity, field=f"{where}.minQuantity"))
        tier_price = errors.run(partial(check_price, tier.price, field=f"{where}.price"))
        if quantity is None or tier_price is None:
            continue
        if not on_step(quantity, minimum=minimum, step=step):
            errors.add(invalid(f"{where}.minQuantity", "TIER_BELOW_MINIMUM"))
            continue
        previous = checked[-1] if checked else TierInput(min_quantity=minimum, price=price)
        ascending = quantity > previous.min_quantity
        cheaper = tier_price < previous.price
        if not (ascending and cheaper):
            errors.add(invalid(where, "TIERS_OUT_OF_ORDER"))
            continue
        checked.append(TierInput(min_quantity=quantity, price=tier_price))
    return checked


async def _validated(
    fields: ProductFields, *, current: Product | None
) -> tuple[dict[str, Any], list[TierInput] | None]:
    """Every field checked against the others (the result of an update included); all errors at once."""
    errors = ErrorCollector()
    values: dict[str, Any] = {}
    if fields.name is not None or current is None:
        values["name"] = clean_text(fields.name, field="name", max_length=NAME_MAX, errors=errors)
    if fields.description is not None:
        values["description"] = clean_text(
            fields.description,
            field="description",
            max_length=DESCRIPTION_MAX,
            errors=errors,
            required=False,
            multiline=True,
        )
    if fields.unit is not None or current is None:
        unit = errors.run(lambda: parse_unit(fields.unit or ""))
        if unit is not None:
            values["unit"] = unit
    if fields.price is not None or current is None:
        price = errors.run(lambda: check_price(fields.price or 0, field="price"))
        if price is not None:
            values["price"] = price
    for name, field_name, value, allow_zero in (
        ("stock", "stock", fields.stock, True),
        ("min_quantity", "minQuantity", fields.min_quantity, False),
        ("quantity_step", "quantityStep", fields.quantity_step, False),
    ):
        if value is not None:
            checked = errors.run(partial(check_quantity, value, field=field_name, allow_zero=allow_zero))
            if checked is not None:
                values[name] = checked
    if fields.is_weighed is not None:
        values["is_weighed"] = fields.is_weighed
    if fields.category_id is not None or current is None:
        if fields.category_id is None or not await Category.exists(id=fields.category_id):
            errors.add(DomainError(ErrorCode.NOT_FOUND, field="categoryId"))
        else:
            values["category_id"] = fields.category_id

    # Cross-field rules on the values the product will have after this change.
    minimum = values.get("min_quantity", current.min_quantity if current else Decimal(1))
    step = values.get("quantity_step", current.quantity_step if current else None) or minimum
    if "quantity_step" not in values and current is None:
        values["quantity_step"] = step
    if minimum and step and minimum % step != 0:
        errors.add(invalid("minQuantity", "STEP_MUST_DIVIDE_MINIMUM"))
    tiers = None
    if fields.price_tiers is not None:
        base_price = values.get("price", current.price if current else None) or MAX_PRICE
        tiers = _check_tiers(fields.price_tiers, price=base_price, minimum=minimum, step=step, errors=errors)
    errors.raise_if_any()
    return values, tiers


async def _search_text(*, name: str, category_id: int) -> str:
    category = await Category.get(id=category_id)
    return search.index_text(name, category.name)


async def create_product(*, actor: User | None, fields: ProductFields) -> Product:
    """A trader adds a product to their own stall."""
    trader = require_role(actor, Role.TRADER)
    stall = await trader_stall(trader)
    authorize(trader, Action.MANAGE, stall)
    values, tiers = await _validated(fields, current=None)
    values["search_text"] = await _search_text(name=values["name"], category_id=values["category_id"])
    async with in_transaction():
        product = await Product.create(stall=stall, **values)
        await PriceTier.bulk_create(
            [PriceTier(product=product, min_quantity=t.min_quantity, price=t.price) for t in tiers or []]
        )
    return product


async def get_product_for_owner(*, actor: User | None, product_id: int, field: str = "id") -> Product:
    """A product the actor's stall owns, or NOT_FOUND / PERMISSION_DENIED."""
    product = await Product.get_or_none(id=product_id).select_related("stall")
    if product is None:
        raise DomainError(ErrorCode.NOT_FOUND, field=field)
    stall: Stall = product.stall
    authorize(actor, Action.MANAGE, stall)
    return product


async def update_product(*, actor: User | None, product_id: int, fields: ProductFields) -> Product:
    """The stall's trader changes some fields; tiers, when given, replace the old ones."""
    product = await get_product_for_owner(actor=actor, product_id=product_id)
    if product.status == ProductStatus.ARCHIVED:
        raise DomainError(ErrorCode.INVALID_STATE, field="id")
    pricing_changes = (fields.price, fields.min_quantity, fields.quantity_step)
    if fields.price_tiers is None and any(v is not None for v in pricing_changes):
        # The existing tiers must still fit the new price and quantities: validate them again with the change.
        existing = await PriceTier.filter(product_id=product.id).order_by("min_quantity")
        fields.price_tiers = [TierInput(t.min_quantity, t.price) for t in existing]
    values, tiers = await _validated(fields, current=product)
    product.update_from_dict(values)
    if "name" in values or "category_id" in values:
        product.search_text = await _search_text(name=product.name, category_id=product.category_id)
    async with in_transaction():
        await product.save()
        if tiers is not None:
            await PriceTier.filter(product_id=product.id).delete()
            await PriceTier.bulk_create(
                [PriceTier(product_id=product.id, min_quantity=t.min_quantity, price=t.price) for t in tiers]
            )
    return product


async def archive_product(*, actor: User | None, product_id: int) -> Product:
    """Take a product out of the catalog for good; past orders keep their snapshot of it."""
    product = await get_product_for_owner(actor=actor, product_id=product_id)
    product.status = ProductStatus.ARCHIVED
    await product.save(update_fields=["status", "updated_at"])
    return product


async def set_stock(*, actor: User | None, product_id: int, stock: Decimal) -> Product:
    product = await get_product_for_owner(actor=actor, product_id=product_id, field="productId")
    product.stock = check_quantity(stock, field="stock", allow_zero=True)
    await product.save(update_fields=["stock", "updated_at"])
    return product


async def list_categories() -> list[dict[str, Any]]:
    """Every category (id, name, slug) in shelf order."""
    return await Category.all().order_by("sort_order", "name").values("id", "name", "slug")


async def categories_by_id(*, ids: list[int]) -> list[Category | None]:
    """Categories by id, in that order (None for the missing). One query."""
    found = {c.id: c for c in await Category.filter(id__in=ids)}
    return [found.get(i) for i in ids]


# What other domains (orders) ask of products' rows: they never query the catalog's tables themselves.


async def with_price_tiers(products: list[Product]) -> None:
    """The products' price tiers, fetched onto them in one query."""
    await Product.fetch_for_list(products, "price_tiers")


async def product_with_market(product_id: int) -> Product | None:
    """A product with its stall and market (one query), its price tiers (one more); None when missing."""
    product = await Product.get_or_none(id=product_id).select_related("stall__market")
    if product is not None:
        await with_price_tiers([product])
    return product


async def lock_products_with_markets(ids: list[int]) -> dict[int, Product]:
    """Inside a transaction: the products' rows locked in id order (racing buyers queue here and never
    deadlock), their stalls and markets in the same query, unlocked (OF product)."""
    locked = Product.filter(id__in=ids).select_for_update(of=("product",)).select_related("stall__market")
    return {p.id: p for p in await locked.order_by("id")}


async def lock_product(product_id: int) -> Product:
    """Inside a transaction: one product's row locked (FOR UPDATE)."""
    return await Product.select_for_update().get(id=product_id)


async def change_stock(product: Product, stock: Decimal) -> None:
    """A locked product's stock set to what an order leaves (or gives back)."""
    product.stock = stock
    await product.save(update_fields=["stock", "updated_at"])


async def lock_product_or_none(product_id: int) -> Product | None:
    return await Product.select_for_update().get_or_none(id=product_id)

"""Prices and what may be bought: wholesale tiers, listed products, quantities on their step, delivery fees."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from src.models.catalog import ProductStatus
from src.models.markets import StallStatus
from src.services.catalog import on_step
from src.services.common import money
from src.services.common.errors import DomainError, ErrorCode, invalid
from src.services.common.quantities import check_quantity
from src.settings import Settings

if TYPE_CHECKING:
    from src.models.catalog import PriceTier, Product
    from src.models.markets import Market, Stall


def unit_price(price: int, tiers: list[PriceTier], quantity: Decimal) -> int:
    """The best price for this quantity: the wholesale tier with the largest minimum it reaches."""
    best = price
    for tier in sorted(tiers, key=lambda t: t.min_quantity):
        if quantity >= tier.min_quantity:
            best = min(best, tier.price)
    return best


def listed(product: Product) -> bool:
    """Whether a product (with its stall and market loaded) can be bought now."""
    return shown(product) and product.stall.is_open


def shown(product: Product) -> bool:
    """Whether buyers see a product (with its stall and market loaded), its stall open or closed."""
    stall: Stall = product.stall
    market: Market = stall.market
    return product.status == ProductStatus.ACTIVE and stall.status == StallStatus.APPROVED and market.is_active


def check_item_quantity(product: Product, quantity: Decimal, field: str) -> Decimal:
    """A quantity within bounds and on the product's step (QUANTITY_NOT_ON_STEP otherwise)."""
    checked = check_quantity(quantity, field=field)
    if not on_step(checked, minimum=product.min_quantity, step=product.quantity_step):
        raise invalid(field, "QUANTITY_NOT_ON_STEP", minimum=product.min_quantity, step=product.quantity_step)
    return checked


def check_line_count(lines: int, settings: Settings, field: str) -> None:
    """At most `max_order_lines` lines in an order or a cart (TOO_MANY_LINES)."""
    if lines > settings.max_order_lines:
        raise invalid(field, "TOO_MANY_LINES", max=settings.max_order_lines)


def quote_delivery(market: Market, lat: float, lng: float) -> tuple[Decimal, int]:
    """(distance, fee) from the market to an address; beyond the radius is OUT_OF_DELIVERY_AREA."""
    distance = money.distance_km(float(market.latitude), float(market.longitude), lat, lng)
    if distance > market.delivery_radius_km:
        raise DomainError(ErrorCode.OUT_OF_DELIVERY_AREA, field="address.location", radius=market.delivery_radius_km)
    fee = money.delivery_fee(base=market.base_delivery_fee, per_km=market.per_km_fee, distance_km=distance)
    return distance, fee

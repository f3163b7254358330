"""The buyer's cart: its lines, the subtotal, and the delivery fee and total to a location."""

from decimal import Decimal

import strawberry

from src.models.orders import CartItem
from src.schema.catalog import ProductType
from src.schema.context import Info
from src.schema.markets import MarketType
from src.schema.orders.inputs import LocationInput
from src.schema.scalars import Money, decimal_value, money
from src.services import orders as orders_service
from src.services.common import money as money_rules
from src.services.common.errors import DomainError


@strawberry.type
class CartLine:
    quantity: Decimal
    note: str
    line_total: Money
    product_id: strawberry.Private[int]

    @strawberry.field
    async def product(self, info: Info) -> ProductType | None:
        row = await info.context.loaders.product_row_by_id.load(self.product_id)
        return ProductType.from_row(row) if row is not None else None


@strawberry.type
class Cart:
    items: list[CartLine]
    market_id: strawberry.Private[int | None]

    @strawberry.field
    async def market(self, info: Info) -> MarketType | None:
        if self.market_id is None:
            return None
        return MarketType.from_model(await info.context.loaders.market_by_id.load(self.market_id))

    @strawberry.field(name="subtotal")
    def subtotal_field(self) -> Money:
        return money(self.subtotal_amount())

    def subtotal_amount(self) -> int:
        return sum(i.line_total.amount for i in self.items)

    @strawberry.field(description="The delivery fee to a location; null outside the market's radius.")
    async def delivery_fee(self, info: Info, address: LocationInput) -> Money | None:
        if self.market_id is None:
            return None
        market = await info.context.loaders.market_by_id.load(self.market_id)
        try:
            return money(orders_service.quote_delivery(market, address.lat, address.lng)[1])
        except DomainError:
            return None

    @strawberry.field(description="Subtotal plus the delivery fee to a location (the subtotal without one).")
    async def total(self, info: Info, address: LocationInput | None = None) -> Money:
        fee = await self.delivery_fee(info, address) if address else None
        return money(self.subtotal_amount() + (fee.amount if fee else 0))


def cart_of(items: list[CartItem]) -> Cart:
    """The cart's lines priced as the order would price them (wholesale tiers included)."""
    unit_price = orders_service.unit_price
    lines = [
        CartLine(
            quantity=decimal_value(i.quantity),
            note=i.note,
            line_total=money(
                money_rules.line_total(i.quantity, unit_price(i.product.price, list(i.product.price_tiers), i.quantity))
            ),
            product_id=i.product_id,
        )
        for i in items
    ]
    return Cart(items=lines, market_id=items[0].product.stall.market_id if items else None)

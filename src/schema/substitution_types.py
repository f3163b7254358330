"""A missing item's state and the substitute offered for it, as an order item shows them."""

from datetime import datetime
from decimal import Decimal

import strawberry

from src.models.orders import ItemState
from src.models.substitutions import Substitution, SubstitutionStatus
from src.schema.catalog import ProductType
from src.schema.context import Info
from src.schema.scalars import Money, decimal_value, money

OrderItemStateEnum = strawberry.enum(
    ItemState, name="OrderItemState", description="An item still ordered, gone, waiting for a substitute's answer."
)
SubstitutionStatusEnum = strawberry.enum(SubstitutionStatus, name="SubstitutionStatus")


@strawberry.type(
    name="Substitution",
    description="A substitute the trader offered for a missing item, as offered (its price is fixed).",
)
class SubstitutionType:
    status: SubstitutionStatus
    product_name: str
    unit: str
    unit_price: Money
    quantity: Decimal
    is_weighed: bool
    line_total: Money
    expires_at: datetime = strawberry.field(description="Unanswered by then, it is declined (the item leaves).")
    responded_at: datetime | None
    original_name: str = strawberry.field(description="The item as ordered.")
    original_quantity: Decimal
    original_line_total: Money
    product_id: strawberry.Private[int | None]

    @strawberry.field(description="The substitute product now (null when it is no longer listed for the viewer).")
    async def product(self, info: Info) -> ProductType | None:
        if self.product_id is None:
            return None
        row = await info.context.loaders.product_row_by_id.load(self.product_id)
        return ProductType.from_row(row) if row is not None else None

    @classmethod
    def from_model(cls, offer: Substitution) -> "SubstitutionType":
        return cls(
            status=offer.status,
            product_name=offer.product_name,
            unit=offer.unit,
            unit_price=money(offer.unit_price),
            quantity=decimal_value(offer.quantity),
            is_weighed=offer.is_weighed,
            line_total=money(offer.line_total),
            expires_at=offer.expires_at,
            responded_at=offer.responded_at,
            original_name=offer.original_name,
            original_quantity=decimal_value(offer.original_quantity),
            original_line_total=money(offer.original_line_total),
            product_id=offer.product_id,
        )

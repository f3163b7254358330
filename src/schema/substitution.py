"""One missing item: the trader's `markItemUnavailable` (with or without a substitute), the buyer's
`respondToSubstitution`."""

from decimal import Decimal

import strawberry
from strawberry import relay

from src.models.accounts import Role
from src.models.orders import OrderItem
from src.schema.context import Info
from src.schema.errors import payload_mutation
from src.schema.ids import decode_id
from src.schema.orders.mutations import OrderItemPayload
from src.schema.orders.types import OrderItemType
from src.schema.permissions import current_user
from src.services import orders as orders_service


@strawberry.input
class MarkItemUnavailableInput:
    order_item_id: relay.GlobalID
    reason: str
    substitute_product_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A product of the same stall to offer instead (the buyer answers)."
    )
    substitute_quantity: Decimal | None = strawberry.field(default=None, description="On the substitute's step.")


@strawberry.input
class RespondToSubstitutionInput:
    order_item_id: relay.GlobalID
    accept: bool


def _item_result(item: OrderItem) -> OrderItemPayload:
    return OrderItemPayload(order_item=OrderItemType.from_model(item))


@strawberry.type
class SubstitutionMutation:
    @payload_mutation(
        description="Trader: an item of their accepted part is missing: it leaves the order, or a substitute of "
        "their stall is offered to the buyer."
    )
    async def mark_item_unavailable(self, info: Info, input: MarkItemUnavailableInput) -> OrderItemPayload:
        substitute = input.substitute_product_id
        item = await orders_service.mark_item_unavailable(
            actor=await current_user(info),
            order_item_id=decode_id(input.order_item_id, "OrderItem", field="orderItemId"),
            reason=input.reason,
            substitute_product_id=decode_id(substitute, "Product", field="substituteProductId")
            if substitute is not None
            else None,
            substitute_quantity=input.substitute_quantity,
            settings=info.context.settings,
        )
        return _item_result(item)

    @payload_mutation(description="Buyer: take or leave the substitute offered for an item, before it expires.")
    async def respond_to_substitution(self, info: Info, input: RespondToSubstitutionInput) -> OrderItemPayload:
        item = await orders_service.respond_to_substitution(
            actor=await current_user(info, Role.BUYER),
            order_item_id=decode_id(input.order_item_id, "OrderItem", field="orderItemId"),
            accept=input.accept,
        )
        return _item_result(item)

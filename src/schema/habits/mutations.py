"""The buyer's habits, changed: the address book, reordering, favourites and rating a delivered part."""

import strawberry
from strawberry import relay

from src.models.accounts import Role
from src.schema.catalog import ProductType
from src.schema.context import Info
from src.schema.errors import UserError, payload_mutation, user_errors
from src.schema.habits.queries import saved_address
from src.schema.ids import decode_id
from src.schema.markets import StallType
from src.schema.orders.cart import Cart, cart_of
from src.schema.orders.inputs import LocationInput
from src.schema.orders.mutations import StallOrderPayload
from src.schema.orders.types import Address, StallOrderType
from src.schema.permissions import current_user
from src.services import addresses as addresses_service
from src.services import habits as habits_service
from src.services import markets as markets_service
from src.services import orders as orders_service
from src.services.common.errors import DomainErrors


@strawberry.input
class SaveAddressInput:
    label: str = strawberry.field(description="What the buyer calls it (Rumah, Kantor, Warung); unique per buyer.")
    line: str
    recipient_name: str
    recipient_phone: str
    location: LocationInput
    area: str | None = None
    id: relay.GlobalID | None = strawberry.field(default=None, description="An entry to change; none: a new one.")


@strawberry.input
class DeleteAddressInput:
    address_id: relay.GlobalID


@strawberry.type
class AddressPayload:
    address: Address | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ReorderInput:
    order_id: relay.GlobalID


@strawberry.type
class ReorderPayload:
    cart: Cart | None = None
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="The order's lines left out (`items.N`, N counting the order's items part by part), or why "
        "nothing was added.",
    )


@strawberry.input
class SetFavouriteInput:
    favourite: bool
    product_id: relay.GlobalID | None = None
    stall_id: relay.GlobalID | None = None


@strawberry.type
class SetFavouritePayload:
    favourite: bool | None = None
    product: ProductType | None = None
    stall: StallType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RateStallOrderInput:
    stall_order_id: relay.GlobalID
    stars: int = strawberry.field(description="1 to 5.")
    comment: str | None = None


@strawberry.type
class HabitsMutation:
    @payload_mutation(description="Buyer: add an address to their book (at most 20), or change one of theirs.")
    async def save_address(self, info: Info, input: SaveAddressInput) -> AddressPayload:
        address = await addresses_service.save_address(
            actor=await current_user(info, Role.BUYER),
            address_id=decode_id(input.id, "Address") if input.id is not None else None,
            fields=addresses_service.AddressFields(
                label=input.label,
                line=input.line,
                recipient_name=input.recipient_name,
                recipient_phone=input.recipient_phone,
                lat=input.location.lat,
                lng=input.location.lng,
                area=input.area or "",
            ),
        )
        return AddressPayload(address=saved_address(address))

    @payload_mutation(description="Buyer: delete an address of their book (orders placed with it keep theirs).")
    async def delete_address(self, info: Info, input: DeleteAddressInput) -> AddressPayload:
        address = await addresses_service.delete_address(
            actor=await current_user(info, Role.BUYER),
            address_id=decode_id(input.address_id, "Address", field="addressId"),
        )
        return AddressPayload(address=saved_address(address))

    @payload_mutation(description="Buyer: put an earlier order's goods back in the cart, at today's prices.")
    async def reorder(self, info: Info, input: ReorderInput) -> ReorderPayload:
        actor = await current_user(info, Role.BUYER)
        done = await habits_service.reorder(
            actor=actor, order_id=decode_id(input.order_id, "Order", field="orderId"), settings=info.context.settings
        )
        cart = cart_of(await orders_service.get_cart(actor=actor))
        left_out = user_errors(DomainErrors(done.left_out), info.context.language, prefix="") if done.left_out else []
        return ReorderPayload(cart=cart, errors=left_out)

    @payload_mutation(description="Buyer: keep a product or a stall among their favourites, or drop it.")
    async def set_favourite(self, info: Info, input: SetFavouriteInput) -> SetFavouritePayload:
        actor = await current_user(info, Role.BUYER)
        product_id = decode_id(input.product_id, "Product", field="productId") if input.product_id else None
        stall_id = decode_id(input.stall_id, "Stall", field="stallId") if input.stall_id else None
        favourite = await habits_service.set_favourite(
            actor=actor, product_id=product_id, stall_id=stall_id, favourite=input.favourite
        )
        payload = SetFavouritePayload(favourite=favourite)
        if product_id is not None:
            row = await info.context.loaders.product_row_by_id.load(product_id)
            payload.product = ProductType.from_row(row) if row is not None else None
        else:
            stall = (await markets_service.visible_stalls(viewer=actor, ids=[stall_id or 0]))[0]
            payload.stall = StallType.from_model(stall) if stall is not None else None
        return payload

    @payload_mutation(description="Buyer: rate a delivered part of their order, 1 to 5 stars, once.")
    async def rate_stall_order(self, info: Info, input: RateStallOrderInput) -> StallOrderPayload:
        part = await habits_service.rate_stall_order(
            actor=await current_user(info, Role.BUYER),
            stall_order_id=decode_id(input.stall_order_id, "StallOrder", field="stallOrderId"),
            stars=input.stars,
            comment=input.comment,
        )
        return StallOrderPayload(stall_order=StallOrderType.from_model(part))

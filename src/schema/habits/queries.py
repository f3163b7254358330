"""The buyer's habits, read: the address book (`myAddresses`) and favourites (`myFavourites`)."""

import strawberry
from strawberry import relay

from src.models.habits import Address as AddressRow
from src.schema.catalog import ProductType
from src.schema.context import Info
from src.schema.errors import query_errors
from src.schema.markets import Location, StallType
from src.schema.orders.types import Address
from src.services import addresses as addresses_service
from src.services import habits as habits_service
from src.services import markets as markets_service


def saved_address(row: AddressRow) -> Address:
    """An address book entry as the API shows it: an order's Address with its id and label."""
    return Address(
        id=relay.GlobalID("Address", str(row.id)),
        label=row.label,
        line=row.line,
        area=row.area,
        recipient_name=row.recipient_name,
        recipient_phone=row.recipient_phone,
        location=Location(lat=float(row.latitude), lng=float(row.longitude)),
    )


@strawberry.type(description="The buyer's favourite products and stalls, newest first, as far as they are listed now.")
class Favourites:
    product_ids: strawberry.Private[list[int]]
    stall_ids: strawberry.Private[list[int]]

    @strawberry.field(description="Favourite products buyers can see now (one off sale shows again when back).")
    async def products(self, info: Info) -> list[ProductType]:
        rows = await info.context.loaders.product_row_by_id.load_many(self.product_ids)
        return [ProductType.from_row(row) for row in rows if row is not None]

    @strawberry.field(description="Favourite stalls that are approved (or the viewer's to review).")
    async def stalls(self, info: Info) -> list[StallType]:
        viewer = await info.context.get_user()
        stalls = await markets_service.visible_stalls(viewer=viewer, ids=self.stall_ids)
        return [StallType.from_model(s) for s in stalls if s is not None]


@strawberry.type
class HabitsQuery:
    @strawberry.field(description="Buyer: their address book, oldest entry first.")
    async def my_addresses(self, info: Info) -> list[Address]:
        with query_errors(info):
            rows = await addresses_service.my_addresses(actor=await info.context.get_user())
        return [saved_address(row) for row in rows]

    @strawberry.field(description="Buyer: their favourite products and stalls.")
    async def my_favourites(self, info: Info) -> Favourites:
        with query_errors(info):
            found = await habits_service.my_favourites(actor=await info.context.get_user())
        return Favourites(product_ids=found.product_ids, stall_ids=found.stall_ids)

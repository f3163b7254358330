"""Favourites: products and stalls a buyer keeps, shown while listed, kept while not, each buyer their own."""

import pytest
from strawberry.relay import to_base64

from src.models.accounts import Role
from src.models.catalog import Product, ProductStatus
from src.models.habits import FavouriteProduct, FavouriteStall
from src.models.markets import StallStatus
from src.services.habits import favourites
from src.settings import Settings
from tests.factories import make_product, make_stall, make_user, token_for
from tests.support.database import snapshot
from tests.support.graphql import GraphQLClient
from tests.support.world import World

SET = """mutation($input: SetFavouriteInput!) { setFavourite(input: $input) {
  favourite product { name } stall { name } errors { field code message } } }"""
MINE = "{ myFavourites { products { name stall { name } } stalls { name market { name } } } }"


def _product(product: Product, favourite: bool = True) -> dict[str, object]:
    return {"input": {"productId": to_base64("Product", product.id), "favourite": favourite}}


async def test_favourites_are_kept_listed_newest_first_and_dropped(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    gql.token = token_for(world.buyer, settings)
    first = (await gql(SET, _product(world.product)))["setFavourite"]
    assert first == {"favourite": True, "product": {"name": "Cabai rawit"}, "stall": None, "errors": []}
    assert (await gql(SET, _product(world.product)))["setFavourite"]["errors"] == []  # twice: still one
    await gql(SET, _product(world.second_product))
    stall = await gql(SET, {"input": {"stallId": to_base64("Stall", world.stall.id), "favourite": True}})
    assert stall["setFavourite"]["stall"] == {"name": world.stall.name}
    assert await FavouriteProduct.filter(buyer_id=world.buyer.id).count() == 2
    mine = (await gql(MINE))["myFavourites"]
    assert [p["name"] for p in mine["products"]] == ["Beras", "Cabai rawit"]
    assert mine["stalls"] == [{"name": world.stall.name, "market": {"name": world.market.name}}]

    # Off sale for now: not shown, still kept, and back when it is back.
    await Product.filter(id=world.second_product.id).update(status=ProductStatus.INACTIVE)
    assert [p["name"] for p in (await gql(MINE))["myFavourites"]["products"]] == ["Cabai rawit"]
    await Product.filter(id=world.second_product.id).update(status=ProductStatus.ACTIVE)
    assert len((await gql(MINE))["myFavourites"]["products"]) == 2

    dropped = (await gql(SET, _product(world.product, favourite=False)))["setFavourite"]
    assert dropped["favourite"] is False and dropped["errors"] == []
    assert (await gql(SET, _product(world.product, favourite=False)))["setFavourite"]["errors"] == []
    # A product off sale can still be dropped (though not kept anew).
    await Product.filter(id=world.second_product.id).update(status=ProductStatus.INACTIVE)
    assert (await gql(SET, _product(world.second_product, favourite=False)))["setFavourite"]["errors"] == []
    assert (await gql(MINE))["myFavourites"]["products"] == []
    assert await FavouriteProduct.filter(buyer_id=world.buyer.id).count() == 0


async def test_each_buyer_has_their_own_and_only_buyers_have_any(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    gql.token = token_for(world.buyer, settings)
    await gql(SET, _product(world.product))
    other = await make_user(Role.BUYER, name="Pembeli lain")
    before = await snapshot()
    gql.token = token_for(other, settings)
    assert (await gql(MINE))["myFavourites"] == {"products": [], "stalls": []}
    await gql(SET, _product(world.product, favourite=False))  # drops their own (none), not the first buyer's
    assert await snapshot() == before
    for who in (world.trader, world.admin, world.couriers[0]):
        gql.token = token_for(who, settings)
        assert (await gql(SET, _product(world.product)))["setFavourite"]["errors"][0]["code"] == "PERMISSION_DENIED"
        assert (await gql.errors(MINE))[0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert await snapshot() == before


async def test_bad_favourites_are_named_and_change_nothing(
    world: World, gql: GraphQLClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    pending = await make_stall(market=world.market, status=StallStatus.PENDING)
    unlisted = await make_product(pending, name="Belum tayang")
    gql.token = token_for(world.buyer, settings)
    gql.language = "en"
    before = await snapshot()
    both = {"productId": to_base64("Product", world.product.id), "stallId": to_base64("Stall", world.stall.id)}
    for given in (both, {}):
        refused = (await gql(SET, {"input": {**given, "favourite": True}}))["setFavourite"]
        assert [(e["field"], e["code"]) for e in refused["errors"]] == [("input.productId", "INVALID_INPUT")]
        assert refused["errors"][0]["message"] == "Choose one product or one stall (one of the two)."
    for given, field in (
        ({"productId": to_base64("Product", unlisted.id)}, "input.productId"),
        ({"productId": to_base64("Product", 999_999)}, "input.productId"),
        ({"productId": to_base64("Stall", world.stall.id)}, "input.productId"),  # an id of another type
        ({"stallId": to_base64("Stall", pending.id)}, "input.stallId"),
    ):
        refused = (await gql(SET, {"input": {**given, "favourite": True}}))["setFavourite"]
        assert [(e["field"], e["code"]) for e in refused["errors"]] == [(field, "NOT_FOUND")], given
    assert await snapshot() == before

    monkeypatch.setattr(favourites, "MAX_FAVOURITES", 1)
    await gql(SET, {"input": {"stallId": to_base64("Stall", world.stall.id), "favourite": True}})
    second = {"stallId": to_base64("Stall", world.second_stall.id), "favourite": True}
    full = (await gql(SET, {"input": second}))["setFavourite"]
    assert [(e["field"], e["code"], e["message"]) for e in full["errors"]] == [
        ("input.stallId", "INVALID_INPUT", "At most 1 favourites. Remove one first.")
    ]
    assert await FavouriteStall.filter(buyer_id=world.buyer.id).count() == 1
    assert (await gql(SET, _product(world.product)))["setFavourite"]["errors"] == []  # a limit per kind

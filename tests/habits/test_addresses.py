"""The buyer's address book: saved, changed, deleted, used by placeOrder (which keeps a copy), and its limits."""

from decimal import Decimal
from typing import Any

from strawberry.relay import to_base64

from src.models.accounts import Role
from src.models.habits import Address
from src.models.orders import Order
from src.services.addresses import MAX_ADDRESSES
from src.settings import Settings
from tests.factories import make_market, make_user, token_for
from tests.support.database import snapshot
from tests.support.graphql import GraphQLClient
from tests.support.world import KM, World, tomorrow

ADDRESS_FIELDS = "id label line area recipientName recipientPhone location { lat lng }"
SAVE = f"""mutation($input: SaveAddressInput!) {{ saveAddress(input: $input) {{
  address {{ {ADDRESS_FIELDS} }} errors {{ field code message }} }} }}"""
DELETE = f"""mutation($id: ID!) {{ deleteAddress(input: {{addressId: $id}}) {{
  address {{ {ADDRESS_FIELDS} }} errors {{ field code }} }} }}"""
MINE = f"{{ myAddresses {{ {ADDRESS_FIELDS} }} }}"
PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  order { id number deliveryFee { amount }
    address { id label line area recipientName recipientPhone location { lat lng } } }
  errors { field code message } } }"""
ORDER_ADDRESS = "query($id: ID!) { order(id: $id) { address { line recipientName recipientPhone location { lat } } } }"


def _entry(world: World, label: str = "Rumah", km_north: float = 1.0, **extra: Any) -> dict[str, Any]:
    return {
        "label": label, "line": "Jl. Ijen No. 5", "area": "Klojen", "recipientName": "Bu Sri",
        "recipientPhone": "0812-3456-7890",
        "location": {"lat": float(world.market.latitude) + km_north * KM, "lng": float(world.market.longitude)},
        **extra,
    }  # fmt: skip


def _order_input(world: World, key: str, **address: Any) -> dict[str, Any]:
    return {
        "items": [{"productId": to_base64("Product", world.product.id), "quantity": "1"}],
        "deliverySlot": {"date": tomorrow().isoformat(), "window": "AFTERNOON"},
        "paymentMethod": "COD",
        "idempotencyKey": key,
        **address,
    }


async def _save(gql: GraphQLClient, entry: dict[str, Any]) -> dict[str, Any]:
    return dict((await gql(SAVE, {"input": entry}))["saveAddress"])


async def test_a_saved_address_places_an_order_which_keeps_its_copy(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    gql.token = token_for(world.buyer, settings)
    home = await _save(gql, _entry(world, "  Rumah  ", line="Jl.   Ijen No. 5"))
    assert home["errors"] == []
    assert home["address"]["label"] == "Rumah" and home["address"]["line"] == "Jl. Ijen No. 5"
    assert home["address"]["recipientPhone"] == "+6281234567890"  # normalised as a login is
    office = (await _save(gql, _entry(world, "Kantor", km_north=2.0, area=None)))["address"]
    assert office["area"] == ""
    assert [a["label"] for a in (await gql(MINE))["myAddresses"]] == ["Rumah", "Kantor"]
    # An entry is no node of the graph: asked as one, it is null, not an error.
    assert (await gql("query($id: ID!) { node(id: $id) { id } }", {"id": office["id"]})) == {"node": None}

    placed = (await gql(PLACE, {"input": _order_input(world, "a1", addressId=home["address"]["id"])}))["placeOrder"]
    assert placed["errors"] == []
    copied = placed["order"]["address"]
    assert copied["id"] is None and copied["label"] is None  # an order's address is a copy, not the entry
    assert {k: copied[k] for k in ("line", "area", "recipientName", "recipientPhone", "location")} == {
        k: home["address"][k] for k in ("line", "area", "recipientName", "recipientPhone", "location")
    }
    by_hand = (await gql(PLACE, {"input": _order_input(world, "a2", address={k: _entry(world)[k] for k in (
        "line", "area", "recipientName", "recipientPhone", "location")})}))["placeOrder"]  # fmt: skip
    assert by_hand["order"]["deliveryFee"] == placed["order"]["deliveryFee"]  # priced as the same address typed

    # The entry changes, then goes: the placed order keeps what it was placed with.
    changed = await _save(gql, _entry(world, "Rumah", km_north=3.0, line="Jl. Baru 9", id=home["address"]["id"]))
    assert changed["errors"] == [] and changed["address"]["id"] == home["address"]["id"]
    assert changed["address"]["line"] == "Jl. Baru 9"
    deleted = (await gql(DELETE, {"id": home["address"]["id"]}))["deleteAddress"]
    assert deleted["errors"] == [] and deleted["address"]["line"] == "Jl. Baru 9"
    assert [a["label"] for a in (await gql(MINE))["myAddresses"]] == ["Kantor"]
    kept = (await gql(ORDER_ADDRESS, {"id": placed["order"]["id"]}))["order"]["address"]
    assert kept["line"] == "Jl. Ijen No. 5" and kept["recipientPhone"] == "+6281234567890"
    assert abs(kept["location"]["lat"] - (float(world.market.latitude) + KM)) < 1e-6

    # A retry of the first request (same key, same addressId) is the same order, though the entry is gone.
    again = (await gql(PLACE, {"input": _order_input(world, "a1", addressId=home["address"]["id"])}))["placeOrder"]
    assert again["errors"] == [] and again["order"]["number"] == placed["order"]["number"]
    assert await Order.all().count() == 2


async def test_another_buyers_book_is_not_theirs(world: World, gql: GraphQLClient, settings: Settings) -> None:
    gql.token = token_for(world.buyer, settings)
    home = (await _save(gql, _entry(world)))["address"]
    other = await make_user(Role.BUYER, name="Pembeli lain")
    before = await snapshot()

    gql.token = token_for(other, settings)
    assert (await gql(MINE))["myAddresses"] == []
    refused = await _save(gql, _entry(world, "Punyaku", id=home["id"]))
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("input.id", "NOT_FOUND")]
    assert (await gql(DELETE, {"id": home["id"]}))["deleteAddress"]["errors"] == [
        {"field": "input.addressId", "code": "NOT_FOUND"}
    ]
    placed = (await gql(PLACE, {"input": _order_input(world, "x", addressId=home["id"])}))["placeOrder"]
    assert placed["order"] is None
    assert [(e["field"], e["code"]) for e in placed["errors"]] == [("input.addressId", "NOT_FOUND")]
    assert await snapshot() == before

    # Only buyers have an address book.
    gql.token = token_for(world.trader, settings)
    errors = await gql.errors(MINE)
    assert errors[0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert (await _save(gql, _entry(world, "Lapak")))["errors"][0]["code"] == "PERMISSION_DENIED"
    gql.token = None
    assert (await gql.errors(MINE))[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await snapshot() == before


async def test_bad_entries_are_named_and_change_nothing(world: World, gql: GraphQLClient, settings: Settings) -> None:
    gql.token = token_for(world.buyer, settings)
    gql.language = "en"
    home = (await _save(gql, _entry(world)))["address"]
    before = await snapshot()
    every_mistake = await _save(
        gql,
        _entry(world, "", line=" ", recipientName="x" * 121, recipientPhone="12345", area="a" * 121,
               location={"lat": 91.0, "lng": 0.0}),
    )  # fmt: skip
    assert sorted((e["field"], e["code"]) for e in every_mistake["errors"]) == [
        ("input.area", "INVALID_INPUT"),
        ("input.label", "INVALID_INPUT"),
        ("input.line", "INVALID_INPUT"),
        ("input.location", "INVALID_INPUT"),
        ("input.recipientName", "INVALID_INPUT"),
        ("input.recipientPhone", "INVALID_PHONE"),
    ]
    # Where no market delivers (Surabaya), and a label the buyer already uses (whatever its case).
    far = await _save(gql, _entry(world, "Surabaya", location={"lat": -7.2575, "lng": 112.7521}))
    assert [(e["field"], e["code"]) for e in far["errors"]] == [("input.location", "OUT_OF_DELIVERY_AREA")]
    assert far["errors"][0]["message"] == "No market delivers to this location yet."
    twice = await _save(gql, _entry(world, "RUMAH"))
    assert [(e["field"], e["code"], e["message"]) for e in twice["errors"]] == [
        ("input.label", "ALREADY_EXISTS", "An address with this name already exists.")
    ]
    control = await _save(gql, _entry(world, "Ru\x00mah"))
    assert [(e["field"], e["code"]) for e in control["errors"]] == [("input.label", "INVALID_INPUT")]
    # An order takes exactly one of address and addressId.
    typed = {k: _entry(world)[k] for k in ("line", "recipientName", "recipientPhone", "location")}
    for both_or_none in ({"address": typed, "addressId": home["id"]}, {}):
        placed = (await gql(PLACE, {"input": _order_input(world, "k", **both_or_none)}))["placeOrder"]
        assert [(e["field"], e["code"]) for e in placed["errors"]] == [("input.addressId", "INVALID_INPUT")]
        assert placed["errors"][0]["message"] == "Give an address or choose a saved one (one of the two)."
    unknown = await gql(PLACE, {"input": _order_input(world, "k", addressId=to_base64("Address", 99999))})
    assert unknown["placeOrder"]["errors"][0]["field"] == "input.addressId"
    assert await snapshot() == before


async def test_the_book_holds_twenty_and_the_market_checks_the_distance(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    gql.token = token_for(world.buyer, settings)
    for n in range(MAX_ADDRESSES):
        assert (await _save(gql, _entry(world, f"Alamat {n}")))["errors"] == []
    full = await _save(gql, _entry(world, "Satu lagi"))
    assert [(e["field"], e["code"]) for e in full["errors"]] == [(None, "INVALID_INPUT")]
    assert "20" in full["errors"][0]["message"]
    assert await Address.filter(buyer_id=world.buyer.id).count() == MAX_ADDRESSES
    entries = (await gql(MINE))["myAddresses"]
    changed = await _save(gql, _entry(world, "Alamat 0 baru", id=entries[0]["id"]))  # changing one is no new one
    assert changed["errors"] == []

    # An entry another market delivers to, beyond this market's radius: placing here names the saved address.
    await make_market(latitude=Decimal(str(round(float(world.market.latitude) + 40 * KM, 6))))
    far = await _save(gql, _entry(world, "Alamat 1", km_north=39.0, id=entries[1]["id"]))
    assert far["errors"] == []
    placed = (await gql(PLACE, {"input": _order_input(world, "far", addressId=entries[1]["id"])}))["placeOrder"]
    assert [(e["field"], e["code"]) for e in placed["errors"]] == [("input.addressId", "OUT_OF_DELIVERY_AREA")]
    assert await Order.all().count() == 0

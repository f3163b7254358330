"""Markets: browsing them, and their admins editing hours, radius and fees."""

from strawberry.relay import to_base64

from src.models.accounts import Role
from src.models.markets import Market
from src.settings import Settings
from tests.factories import make_market, make_user, token_for
from tests.support.graphql import GraphQLClient

MARKETS = """
query($first: Int, $after: String, $search: String) {
  markets(first: $first, after: $after, search: $search) {
    edges { node { id name location { lat lng } deliveryRadiusKm baseDeliveryFee { amount } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
UPDATE = """
mutation($input: UpdateMarketInput!) {
  updateMarket(input: $input) { market { openingHours deliveryRadiusKm perKmFee { amount } } errors { field code } }
}
"""


async def test_markets_page_by_name_and_search(gql: GraphQLClient) -> None:
    for name in ("Pasar Dinoyo", "Pasar Besar", "Pasar Blimbing"):
        await make_market(name=name)
    first = (await gql(MARKETS, {"first": 2}))["markets"]
    assert [e["node"]["name"] for e in first["edges"]] == ["Pasar Besar", "Pasar Blimbing"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await gql(MARKETS, {"first": 2, "after": first["pageInfo"]["endCursor"]}))["markets"]
    assert [e["node"]["name"] for e in rest["edges"]] == ["Pasar Dinoyo"]
    assert rest["pageInfo"]["hasNextPage"] is False
    found = (await gql(MARKETS, {"search": "dinoyo"}))["markets"]["edges"]
    assert [e["node"]["name"] for e in found] == ["Pasar Dinoyo"]
    assert found[0]["node"]["location"] == {"lat": -7.9862, "lng": 112.63}


async def test_market_admin_edits_their_market_only(gql: GraphQLClient, settings: Settings) -> None:
    market, other = await make_market(), await make_market()
    gql.token = token_for(await make_user(Role.MARKET_ADMIN, market=market), settings)
    change = {"openingHours": "Setiap hari 03:00-12:00", "deliveryRadiusKm": "6.5", "perKmFee": 2500}

    payload = (await gql(UPDATE, {"input": {"id": to_base64("Market", market.id), **change}}))["updateMarket"]
    assert payload == {
        "market": {"openingHours": "Setiap hari 03:00-12:00", "deliveryRadiusKm": "6.5", "perKmFee": {"amount": 2500}},
        "errors": [],
    }

    refused = (await gql(UPDATE, {"input": {"id": to_base64("Market", other.id), **change}}))["updateMarket"]
    assert refused["errors"][0]["code"] == "PERMISSION_DENIED"
    for role in (Role.TRADER, Role.BUYER, Role.COURIER):
        gql.token = token_for(await make_user(role, market=market if role == Role.COURIER else None), settings)
        payload = await gql(UPDATE, {"input": {"id": to_base64("Market", market.id), "perKmFee": 1}})
        assert payload["updateMarket"]["errors"][0]["code"] == "PERMISSION_DENIED"
    assert (await Market.get(id=other.id)).opening_hours == "Setiap hari 04:00-14:00"
    assert (await Market.get(id=market.id)).per_km_fee == 2500


async def test_bad_market_values_change_nothing(gql: GraphQLClient, settings: Settings) -> None:
    market = await make_market()
    gql.token = token_for(await make_user(Role.MARKET_ADMIN, market=market), settings)
    bad = {"id": to_base64("Market", market.id), "deliveryRadiusKm": "0", "perKmFee": -5, "openingHours": " "}
    payload = (await gql(UPDATE, {"input": bad}))["updateMarket"]
    assert sorted(e["field"] for e in payload["errors"]) == [
        "input.deliveryRadiusKm",
        "input.openingHours",
        "input.perKmFee",
    ]
    stored = await Market.get(id=market.id)
    assert (stored.per_km_fee, stored.opening_hours) == (2000, "Setiap hari 04:00-14:00")


async def test_a_radius_must_be_a_real_number_with_two_decimals(gql: GraphQLClient, settings: Settings) -> None:
    market = await make_market()
    gql.token = token_for(await make_user(Role.MARKET_ADMIN, market=market), settings)
    for radius in ("NaN", "Infinity", "1.239", "60", "0.2"):
        payload = await gql(UPDATE, {"input": {"id": to_base64("Market", market.id), "deliveryRadiusKm": radius}})
        assert payload["updateMarket"]["errors"] == [{"field": "input.deliveryRadiusKm", "code": "INVALID_INPUT"}], (
            radius
        )
    assert (await Market.get(id=market.id)).delivery_radius_km == 5

"""Ratings: the buyer rates each delivered part of their order once, 1 to 5 stars; the stall shows the mean."""

import asyncio
from decimal import Decimal

from strawberry.relay import to_base64

from src.models.accounts import Role
from src.models.habits import StallRating, StallRatingSummary
from src.models.orders import Order, StallOrder
from src.services import habits
from src.services import orders as orders_service
from src.services.common.errors import DomainError, ErrorCode
from src.settings import Settings
from tests.factories import make_user, token_for
from tests.support.database import snapshot
from tests.support.graphql import GraphQLClient
from tests.support.world import World

RATE = """mutation($input: RateStallOrderInput!) { rateStallOrder(input: $input) {
  stallOrder { status rating { stars comment } stall { name rating { average count } } }
  errors { field code message } } }"""
# The same stall's rating three ways: the catalog (its fast path), the market's stalls and a part of an order.
CATALOG = "{ products(first: 20) { edges { node { name stall { name rating { average count } } } } } }"
STALLS = "query($id: ID!) { market(id: $id) { stalls { edges { node { name rating { average count } } } } } }"
ORDER = "query($id: ID!) { order(id: $id) { stallOrders { rating { stars comment } stall { rating { count } } } } }"


async def _parts(order: Order) -> list[StallOrder]:
    return await StallOrder.filter(order_id=order.id).order_by("id")


def _rate(part: StallOrder, stars: int, comment: str | None = None) -> dict[str, object]:
    return {"input": {"stallOrderId": to_base64("StallOrder", part.id), "stars": stars, "comment": comment}}


async def test_delivered_parts_are_rated_once_and_the_stall_shows_the_mean(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    first, second = await world.order(), await world.order()
    for order in (first, second):
        await world.deliver(order)
    gql.token = token_for(world.buyer, settings)
    cabai, beras = await _parts(first)
    rated = (await gql(RATE, _rate(cabai, 5, "  Pedas dan segar.\nTerima kasih  ")))["rateStallOrder"]
    assert rated["errors"] == []
    assert rated["stallOrder"]["rating"] == {"stars": 5, "comment": "Pedas dan segar.\nTerima kasih"}
    assert rated["stallOrder"]["stall"]["rating"] == {"average": 5.0, "count": 1}
    await gql(RATE, _rate(beras, 3))
    await gql(RATE, _rate((await _parts(second))[0], 4))

    expected = {world.stall.name: {"average": 4.5, "count": 2}, world.second_stall.name: {"average": 3.0, "count": 1}}
    catalog = (await gql(CATALOG))["products"]["edges"]
    assert {e["node"]["stall"]["name"]: e["node"]["stall"]["rating"] for e in catalog} == expected
    stalls = (await gql(STALLS, {"id": to_base64("Market", world.market.id)}))["market"]["stalls"]["edges"]
    assert {e["node"]["name"]: e["node"]["rating"] for e in stalls} == expected
    seen = (await gql(ORDER, {"id": to_base64("Order", second.id)}))["order"]["stallOrders"]
    assert seen == [{"rating": {"stars": 4, "comment": ""}, "stall": {"rating": {"count": 2}}},
                    {"rating": None, "stall": {"rating": {"count": 1}}}]  # fmt: skip
    # The stall's trader sees the rating of their part too.
    gql.token = token_for(world.trader, settings)
    theirs = (await gql(ORDER, {"id": to_base64("Order", first.id)}))["order"]["stallOrders"]
    assert theirs == [
        {"rating": {"stars": 5, "comment": "Pedas dan segar.\nTerima kasih"}, "stall": {"rating": {"count": 2}}}
    ]

    # A stall nobody rated: no mean, a count of 0.
    await (await StallRatingSummary.get(stall_id=world.second_stall.id)).delete()
    catalog = (await gql(CATALOG))["products"]["edges"]
    assert {e["node"]["stall"]["name"]: e["node"]["stall"]["rating"] for e in catalog}[world.second_stall.name] == {
        "average": None,
        "count": 0,
    }


async def test_not_before_delivery_not_twice_not_someone_elses(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    ready = await world.order()  # ready, not delivered
    delivered = await world.order()
    await world.deliver(delivered)
    other = await make_user(Role.BUYER, name="Pembeli lain")
    gql.token = token_for(world.buyer, settings)
    gql.language = "en"
    assert (await gql(RATE, _rate((await _parts(delivered))[0], 5)))["rateStallOrder"]["errors"] == []
    before = await snapshot()

    early = (await gql(RATE, _rate((await _parts(ready))[0], 5)))["rateStallOrder"]
    assert [(e["field"], e["code"], e["message"]) for e in early["errors"]] == [
        ("input.stallOrderId", "INVALID_STATE", "A rating can be given once this stall's order has been delivered.")
    ]
    twice = (await gql(RATE, _rate((await _parts(delivered))[0], 1)))["rateStallOrder"]
    assert [(e["field"], e["code"]) for e in twice["errors"]] == [("input.stallOrderId", "ALREADY_EXISTS")]
    for stars in (0, 6, -1):
        bad = (await gql(RATE, _rate((await _parts(delivered))[1], stars)))["rateStallOrder"]
        assert [(e["field"], e["code"], e["message"]) for e in bad["errors"]] == [
            ("input.stars", "INVALID_INPUT", "From 1 to 5 stars.")
        ]
    long = (await gql(RATE, _rate((await _parts(delivered))[1], 4, "x" * 501)))["rateStallOrder"]
    assert [(e["field"], e["code"]) for e in long["errors"]] == [("input.comment", "INVALID_INPUT")]
    unknown = await gql(RATE, {"input": {"stallOrderId": to_base64("StallOrder", 999_999), "stars": 4}})
    assert unknown["rateStallOrder"]["errors"][0]["code"] == "NOT_FOUND"

    for intruder, code in (
        (other, "NOT_FOUND"),
        (world.trader, "PERMISSION_DENIED"),
        (world.admin, "PERMISSION_DENIED"),
    ):
        gql.token = token_for(intruder, settings)
        refused = (await gql(RATE, _rate((await _parts(delivered))[1], 1)))["rateStallOrder"]
        assert [e["code"] for e in refused["errors"]] == [code], intruder.role
    assert await snapshot() == before


async def test_a_rejected_part_of_a_delivered_order_is_not_rated(world: World, settings: Settings) -> None:
    order = await world.order(ready=False)
    cabai, beras = await _parts(order)
    await orders_service.reject_stall_order(actor=world.second_trader, stall_order_id=beras.id, reason="habis")
    await orders_service.accept_stall_order(actor=world.trader, stall_order_id=cabai.id)
    await orders_service.mark_stall_order_ready(actor=world.trader, stall_order_id=cabai.id)
    await world.deliver(await Order.get(id=order.id))
    try:
        await habits.rate_stall_order(actor=world.buyer, stall_order_id=beras.id, stars=1, comment=None)
    except DomainError as exc:
        assert (exc.code, exc.message_key) == (ErrorCode.INVALID_STATE, "RATE_AFTER_DELIVERY")
    else:
        raise AssertionError("a rejected part was rated")
    await habits.rate_stall_order(actor=world.buyer, stall_order_id=cabai.id, stars=2, comment=None)
    assert [(s.count, s.stars_total) for s in await habits.summaries_for([world.stall.id, world.second_stall.id])] == [
        (1, 2),
        (0, 0),
    ]


async def test_racing_ratings_of_one_part_count_once(world: World, settings: Settings) -> None:
    order = await world.order()
    await world.deliver(order)
    part = (await _parts(order))[0]
    results = await asyncio.gather(
        *(habits.rate_stall_order(actor=world.buyer, stall_order_id=part.id, stars=1 + n % 5, comment=None)
          for n in range(8)),
        return_exceptions=True,
    )  # fmt: skip
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 7 and {r.code for r in refused} == {ErrorCode.ALREADY_EXISTS}, results
    rating = await StallRating.get(stall_order_id=part.id)
    summary = await StallRatingSummary.get(stall_id=world.stall.id)
    assert (summary.rating_count, summary.stars_total) == (1, rating.stars)
    assert Decimal(summary.stars_total) / summary.rating_count == rating.stars

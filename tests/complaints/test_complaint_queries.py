"""The complaint lists cost as many SQL queries for ten complaints as for one: relations go through loaders."""

from strawberry.relay import to_base64

from src.models.orders import Order, StallOrder
from src.services import complaints as complaints_service
from src.settings import Settings
from src.storage import build_storage
from tests.factories import token_for
from tests.support.graphql import GraphQLClient
from tests.support.queries import count_queries
from tests.support.world import World

COMPLAINTS = """query($marketId: ID) { complaints(marketId: $marketId, first: 50) { edges { node {
  id status reason photoUrl amount { amount } createdAt
  order { number total { amount } buyer { name } complaints { status } }
  stallOrder { status subtotal { amount } stall { name } } } } } }"""
MY_ORDERS = """{ myOrders(first: 50) { edges { node { number complaints { status reason stallOrder { id } } } } } }"""


async def _complaints(world: World, n: int) -> None:
    """Delivered orders, up to n, each with a complaint about its first part."""
    made = await Order.all().count()
    for _ in range(made, n):
        order = await world.order()
        await world.deliver(order)
        part = await StallOrder.filter(order_id=order.id).order_by("id").first()
        assert part is not None
        await complaints_service.open_complaint(
            actor=world.buyer, order_id=order.id, stall_order_id=part.id, reason="busuk", photo=None,
            storage=build_storage(world.settings), settings=world.settings,
        )  # fmt: skip


async def test_complaint_lists_cost_constant_queries(world: World, gql: GraphQLClient, settings: Settings) -> None:
    admin, buyer = token_for(world.admin, settings), token_for(world.buyer, settings)
    market = {"marketId": to_base64("Market", world.market.id)}
    counts: dict[str, list[int]] = {"complaints": [], "myOrders": []}
    for n in (1, 10):
        await _complaints(world, n)
        with count_queries() as listed:
            edges = (await gql(COMPLAINTS, market, token=admin))["complaints"]["edges"]
        assert len(edges) == n and all(e["node"]["stallOrder"]["stall"]["name"] for e in edges)
        counts["complaints"].append(listed.count)
        with count_queries() as mine:
            orders = (await gql(MY_ORDERS, token=buyer))["myOrders"]["edges"]
        assert [len(o["node"]["complaints"]) for o in orders] == [1] * n
        counts["myOrders"].append(mine.count)
    assert 0 < counts["complaints"][0] == counts["complaints"][1], counts
    assert counts["myOrders"][0] == counts["myOrders"][1], counts

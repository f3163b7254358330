"""Subscriptions over graphql-transport-ws, fanned out through Redis: a change made through one API process
reaches a subscriber connected to another."""

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from strawberry.relay import to_base64

from src.models.orders import OrderStatus
from src.services import delivery
from src.settings import Settings
from tests.delivery.world import World, make_world
from tests.factories import token_for
from tests.support.processes import free_port, pasar_env, start_api

ORDER_UPDATED = "subscription($id: ID!) { orderUpdated(orderId: $id) { status delivery { status } } }"
QUEUE_UPDATED = "subscription { deliveryQueueUpdated { status order { number } } }"
PICKED = "mutation($id: ID!) { markPickedUp(input: {assignmentId: $id}) { assignment { status } errors { code } } }"
ASSIGN = """mutation($order: ID!, $courier: ID!) { assignCourier(input: {orderId: $order, courierId: $courier}) {
  assignment { status } errors { code } } }"""


@pytest.fixture
def two_apis(clean_db: None, settings: Settings, tmp_path: Path) -> Iterator[list[str]]:
    """Two API processes on the test database and Redis, as two replicas behind a load balancer."""
    ports = [free_port(), free_port()]
    processes = []
    try:
        for port in ports:
            processes.append(start_api(port, env=pasar_env(settings), log=tmp_path / f"api-{port}.log"))
        yield [f"127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)


class Subscriber:
    def __init__(self, socket: Any) -> None:
        self.socket = socket

    async def next(self) -> dict[str, Any]:
        while True:
            message = json.loads(await asyncio.wait_for(self.socket.recv(), 10))
            if message["type"] == "ping":
                await self.socket.send(json.dumps({"type": "pong"}))
                continue
            assert message["type"] == "next", message
            assert not message["payload"].get("errors"), message
            return dict(message["payload"]["data"])


async def _subscribe(host: str, token: str | None, query: str, variables: dict[str, Any] | None = None) -> Any:
    socket = await websockets.connect(f"ws://{host}/graphql", subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    params = {"Authorization": f"Bearer {token}"} if token else {}
    await socket.send(json.dumps({"type": "connection_init", "payload": params}))
    assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
    await socket.send(
        json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})
    )
    return socket


@pytest.fixture
async def world(clean_db: None, settings: Settings) -> World:
    return await make_world(settings)


@pytest.fixture
async def sockets() -> AsyncIterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for connection in opened:
        await connection.close()


async def test_a_change_through_one_process_reaches_a_subscriber_on_the_other(
    world: World, settings: Settings, two_apis: list[str], sockets: list[Any]
) -> None:
    first, second = two_apis
    courier = world.couriers[0]
    order = await world.order()
    order_id = to_base64("Order", order.id)

    buyer_socket = await _subscribe(second, token_for(world.buyer, settings), ORDER_UPDATED, {"id": order_id})
    courier_socket = await _subscribe(second, token_for(courier, settings), QUEUE_UPDATED)
    sockets.extend([buyer_socket, courier_socket])
    buyer, courier_queue = Subscriber(buyer_socket), Subscriber(courier_socket)
    assert (await buyer.next())["orderUpdated"] == {"status": "READY_FOR_PICKUP", "delivery": None}
    assert (await courier_queue.next())["deliveryQueueUpdated"] == []

    async with httpx.AsyncClient(base_url=f"http://{first}", timeout=10) as api:
        admin = {"Authorization": f"Bearer {token_for(world.admin, settings)}"}
        variables = {"order": order_id, "courier": to_base64("User", courier.id)}
        assigned = (await api.post("/graphql", json={"query": ASSIGN, "variables": variables}, headers=admin)).json()
        assert assigned["data"]["assignCourier"]["errors"] == []

        assert (await courier_queue.next())["deliveryQueueUpdated"] == [
            {"status": "ACCEPTED", "order": {"number": order.number}}
        ]
        update = (await buyer.next())["orderUpdated"]
        assert update == {"status": "READY_FOR_PICKUP", "delivery": {"status": "ACCEPTED"}}

        assignment = (await delivery.delivery_queue(actor=courier))[0].assignment
        mine = {"Authorization": f"Bearer {token_for(courier, settings)}"}
        variables = {"id": to_base64("DeliveryAssignment", assignment.id)}
        picked = (await api.post("/graphql", json={"query": PICKED, "variables": variables}, headers=mine)).json()
        assert picked["data"]["markPickedUp"]["errors"] == []

    assert (await buyer.next())["orderUpdated"] == {
        "status": OrderStatus.OUT_FOR_DELIVERY.value,
        "delivery": {"status": "PICKED_UP"},
    }
    assert (await courier_queue.next())["deliveryQueueUpdated"][0]["status"] == "PICKED_UP"


async def test_subscriptions_need_someone_who_may_see(
    world: World, settings: Settings, two_apis: list[str], sockets: list[Any]
) -> None:
    order = await world.order()
    order_id = to_base64("Order", order.id)
    for token, query, code in (
        (None, ORDER_UPDATED, "UNAUTHENTICATED"),
        (token_for(world.other_admin, settings), ORDER_UPDATED, "NOT_FOUND"),
        (token_for(world.buyer, settings), QUEUE_UPDATED, "PERMISSION_DENIED"),
    ):
        socket = await _subscribe(two_apis[0], token, query, {"id": order_id} if "orderId" in query else None)
        sockets.append(socket)
        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert message["type"] in ("error", "next"), message
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == code, message

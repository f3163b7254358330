"""Subscriptions over graphql-transport-ws, fanned out through Redis: a change made through one API process
reaches a subscriber connected to another; a socket whose user may no longer see it is closed (4401, 4403)."""

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from strawberry.relay import to_base64
from tortoise.timezone import now

from src.models.accounts import Role, User
from src.models.orders import OrderStatus
from src.services import delivery, tokens
from src.settings import Settings
from tests.factories import make_user, token_for
from tests.support.processes import free_port, pasar_env, start_api
from tests.support.subscriptions import Subscriber, subscribe
from tests.support.world import World

ORDER_UPDATED = "subscription($id: ID!) { orderUpdated(orderId: $id) { status delivery { status } } }"
QUEUE_UPDATED = "subscription { deliveryQueueUpdated { status order { number } } }"
PICKED = "mutation($id: ID!) { markPickedUp(input: {assignmentId: $id}) { assignment { status } errors { code } } }"
SET_ACTIVE = """mutation($id: ID!, $active: Boolean!) { setUserActive(input: {userId: $id, active: $active}) {
  user { isActive } errors { code } } }"""
ME = "{ me { id } }"
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


@pytest.fixture
def serve(clean_db: None, settings: Settings, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Starts `pasar serve` processes with extra settings (`serve(SUBSCRIPTION_RECHECK_SECONDS="1")`)."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> str:
        port = free_port()
        processes.append(start_api(port, env=pasar_env(settings, **env), log=tmp_path / f"api-{port}.log"))
        return f"127.0.0.1:{port}"

    yield start
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=15)


async def _post(host: str, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=f"http://{host}", timeout=10) as api:
        response = await api.post(
            "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
        )
    return dict(response.json())


async def _set_active(host: str, user: User, active: bool, admin_token: str) -> None:
    body = await _post(host, SET_ACTIVE, {"id": to_base64("User", user.id), "active": active}, admin_token)
    assert body["data"]["setUserActive"] == {"user": {"isActive": active}, "errors": []}, body


async def _assign(host: str, world: World, order_id: str, courier: User) -> None:
    variables = {"order": order_id, "courier": to_base64("User", courier.id)}
    body = await _post(host, ASSIGN, variables, token_for(world.admin, world.settings))
    assert body["data"]["assignCourier"]["errors"] == [], body


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

    buyer_socket = await subscribe(second, token_for(world.buyer, settings), ORDER_UPDATED, {"id": order_id})
    courier_socket = await subscribe(second, token_for(courier, settings), QUEUE_UPDATED)
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
        socket = await subscribe(two_apis[0], token, query, {"id": order_id} if "orderId" in query else None)
        sockets.append(socket)
        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert message["type"] in ("error", "next"), message
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == code, message


async def test_deactivating_a_user_closes_their_open_subscriptions_with_4403_at_once(
    world: World, settings: Settings, serve: Callable[..., str], sockets: list[Any]
) -> None:
    host = serve()  # the periodic check at its default (60 s): the deactivation itself must end them
    order = await world.order()
    order_id = to_base64("Order", order.id)
    leaving_courier, courier = world.couriers[1], world.couriers[0]
    opened = [
        await subscribe(host, token_for(world.buyer, settings), ORDER_UPDATED, {"id": order_id}),
        await subscribe(host, token_for(world.admin, settings), ORDER_UPDATED, {"id": order_id}),
        await subscribe(host, token_for(leaving_courier, settings), QUEUE_UPDATED),
    ]
    sockets.extend(opened)
    buyer, admin, courier_queue = (Subscriber(s) for s in opened)
    for subscriber in (buyer, admin, courier_queue):
        await subscriber.next()
    trade_office = token_for(await make_user(Role.MARKET_ADMIN, name="Dinas Perdagangan"), settings)

    await _set_active(host, world.buyer, False, trade_office)

    code, received, waited = await buyer.closed()
    assert (code, received) == (4403, []) and waited < 5
    # Someone else watching the same order goes on hearing of it.
    await _assign(host, world, order_id, courier)
    assert (await admin.next())["orderUpdated"]["delivery"] == {"status": "ACCEPTED"}

    await _set_active(host, leaving_courier, False, token_for(world.admin, settings))

    code, received, waited = await courier_queue.closed()
    assert (code, received) == (4403, []) and waited < 5


async def test_an_expired_access_token_closes_a_silent_socket_with_4401(
    world: World, settings: Settings, serve: Callable[..., str], sockets: list[Any]
) -> None:
    host = serve()  # nothing happens to the order: only the token's expiry can end it
    order = await world.order()
    short = settings.model_copy(update={"access_token_minutes": 2 / 60})  # a token good for 2 s
    token = tokens.create_access_token(world.buyer, short)
    refused_from = tokens.access_token_refused_from(token, settings)
    socket = await subscribe(host, token, ORDER_UPDATED, {"id": to_base64("Order", order.id)})
    sockets.append(socket)
    buyer = Subscriber(socket)
    assert (await buyer.next())["orderUpdated"]["status"] == "READY_FOR_PICKUP"

    code, received, _ = await buyer.closed(within=20)

    closed_at = now()
    assert (code, received) == (4401, [])
    assert closed_at >= refused_from
    assert (closed_at - refused_from).total_seconds() < 3
    # The same moment an HTTP request with that token is refused too.
    body = await _post(host, ME, {}, token)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"


async def test_revoked_sessions_close_a_silent_socket_with_4401(
    world: World, settings: Settings, serve: Callable[..., str], sockets: list[Any]
) -> None:
    # No logout-everywhere mutation exists (logout ends one refresh-token family; its access tokens run to
    # their expiry, as they do over HTTP). What ends every earlier token is `sessions_revoked_at`.
    host = serve(SUBSCRIPTION_RECHECK_SECONDS="1")
    order = await world.order()
    token = token_for(world.buyer, settings)
    socket = await subscribe(host, token, ORDER_UPDATED, {"id": to_base64("Order", order.id)})
    sockets.append(socket)
    buyer = Subscriber(socket)
    await buyer.next()

    await User.filter(id=world.buyer.id).update(sessions_revoked_at=now())

    code, received, waited = await buyer.closed()
    assert (code, received) == (4401, []) and waited < 4
    body = await _post(host, ME, {}, token)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"


async def test_a_courier_who_may_no_longer_see_the_order_is_closed_with_4403(
    world: World, settings: Settings, serve: Callable[..., str], sockets: list[Any]
) -> None:
    host = serve()
    first, second = world.couriers[0], world.couriers[1]
    order = await world.order()
    order_id = to_base64("Order", order.id)
    await _assign(host, world, order_id, first)
    socket = await subscribe(host, token_for(first, settings), ORDER_UPDATED, {"id": order_id})
    sockets.append(socket)
    courier = Subscriber(socket)
    assert (await courier.next())["orderUpdated"]["delivery"] == {"status": "ACCEPTED"}

    await _assign(host, world, order_id, second)  # reassigned: the first courier has no part in it now

    code, received, _ = await courier.closed()
    assert (code, received) == (4403, [])


async def test_a_socket_opened_before_a_deactivation_starts_no_new_subscription(
    world: World, settings: Settings, serve: Callable[..., str], sockets: list[Any]
) -> None:
    host = serve()
    order_id = to_base64("Order", (await world.order()).id)
    socket = await subscribe(host, token_for(world.buyer, settings), ORDER_UPDATED, {"id": order_id})
    sockets.append(socket)
    buyer = Subscriber(socket)
    await buyer.next()
    await socket.send(json.dumps({"id": "1", "type": "complete"}))  # the socket stays open, idle
    # The server handles a socket's messages in order: its pong says the first subscription is gone, so
    # the deactivation below cannot reach it (under load it did, and closed the socket 4403 first).
    await socket.send(json.dumps({"type": "ping"}))
    assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "pong"
    trade_office = token_for(await make_user(Role.MARKET_ADMIN, name="Dinas Perdagangan"), settings)
    await _set_active(host, world.buyer, False, trade_office)
    await asyncio.sleep(1.1)  # past the socket's reuse of the user it loaded

    payload = {"query": ORDER_UPDATED, "variables": {"id": order_id}}
    await socket.send(json.dumps({"id": "2", "type": "subscribe", "payload": payload}))

    message = json.loads(await asyncio.wait_for(socket.recv(), 10))
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "INVALID_TOKEN", message
    assert message["type"] == "error" or message["payload"]["data"] is None

"""SIGTERM to a `pasar serve` with open subscriptions: it exits within a bounded time (a rolling deploy waits
for it), and each client sees its socket closed as going away."""

import asyncio
import signal
import socket
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from strawberry.relay import to_base64

from src.models.orders import Order, PaymentMethod, SlotWindow
from src.services import orders as orders_service
from src.services.common import live
from src.settings import Settings
from tests.factories import make_category, make_product, token_for
from tests.support.processes import free_port, pasar_env, start_api
from tests.support.subscriptions import Subscriber, subscribe
from tests.support.world import KM, World, make_world, tomorrow

ORDER_UPDATED = """subscription($id: ID!) { orderUpdated(orderId: $id) {
  number status stallOrders { status items { productName quantity lineTotal { amount } } } delivery { status } } }"""
QUEUE_UPDATED = "subscription { deliveryQueueUpdated { status order { number } } }"
GOING_AWAY = (1001, 1012)  # the server goes away / restarts
# A request whose body never comes: without a bound on the grace period uvicorn waits for it forever.
UNFINISHED_REQUEST = (
    b"POST /graphql HTTP/1.1\r\nHost: pasar\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
)


async def _large_order(world: World, settings: Settings, lines: int = 90) -> Order:
    """An order of `lines` products of one stall: each update of it is a message of some 16 kB."""
    category = await make_category()
    products = [
        await make_product(world.stall, category=category, name=f"Sayur {n}", stock=Decimal("100"))
        for n in range(lines)
    ]
    request = orders_service.OrderRequest(
        items=[orders_service.ItemInput(p.id, Decimal("1")) for p in products],
        address=orders_service.AddressInput(
            line="Jl. Ijen No. 1", recipient_name="Bu Sri", recipient_phone="0812-3456-7890",
            lat=float(world.market.latitude) + KM, lng=float(world.market.longitude),
        ),
        slot=orders_service.SlotInput(date=tomorrow(), window=SlotWindow.AFTERNOON),
        payment_method=PaymentMethod.COD, note="", idempotency_key="large",
    )  # fmt: skip
    return await orders_service.place_order(actor=world.buyer, request=request, settings=settings)


async def test_sigterm_with_open_subscriptions_exits_within_10_seconds(
    clean_db: None, settings: Settings, redis: Redis, tmp_path: Path
) -> None:
    world = await make_world(settings)
    orders = [await _large_order(world, settings), await world.order(), await world.order()]
    log, port = tmp_path / "api.log", free_port()
    process = start_api(port, env=pasar_env(settings), log=log)
    host = f"127.0.0.1:{port}"
    unfinished = socket.create_connection(("127.0.0.1", port))
    try:
        opened: list[Any] = []
        for order in orders:  # two sockets an order
            for _ in range(2):
                variables = {"id": to_base64("Order", order.id)}
                opened.append(await subscribe(host, token_for(world.buyer, settings), ORDER_UPDATED, variables))
        for courier in world.couriers:
            opened.append(await subscribe(host, token_for(courier, settings), QUEUE_UPDATED))
        subscribers = [Subscriber(s) for s in opened]
        for subscriber in subscribers:
            await subscriber.next()
        unfinished.sendall(UNFINISHED_REQUEST)
        # A burst of changes, so that subscriptions are reading and sending orders when the signal comes.
        for _ in range(20):
            await live.publish(redis, [live.order_channel(o.id) for o in orders])

        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        exit_code = await asyncio.to_thread(process.wait, 30)
        elapsed = time.monotonic() - started

        output = log.read_text()
        assert elapsed < 10, output[-3000:]
        # uvicorn ends by raising the SIGTERM it caught again, once its shutdown is complete.
        assert exit_code == -signal.SIGTERM, output[-3000:]
        assert "Application shutdown complete." in output
        for subscriber in subscribers:
            code, _, _ = await subscriber.closed(within=5)
            assert code in GOING_AWAY
    finally:
        unfinished.close()
        if process.poll() is None:
            process.kill()
            process.wait()


async def test_a_closing_hub_ends_every_listener(clean_db: None, redis: Redis) -> None:
    hub = live.LiveHub(redis)
    heard: list[bool] = []

    async def listen(channel: str) -> None:
        async for changed in hub.listen(channel, live.user_channel(1)):
            heard.append(changed)

    listeners = [asyncio.create_task(listen(live.order_channel(n))) for n in range(3)]
    await asyncio.sleep(0.2)  # subscribed
    await live.publish(redis, [live.order_channel(0)])
    for _ in range(50):
        if heard:
            break
        await asyncio.sleep(0.05)

    await hub.close()

    done, pending = await asyncio.wait(listeners, timeout=2)
    assert not pending and all(task.exception() is None for task in done)
    assert heard == [True]

"""What a trader is told of an order stays within their part: no order total or delivery fee in the notification,
its data or the webhook the chat gateway receives (a real HTTP receiver)."""

from typing import Any

import orjson
from pydantic import SecretStr

from src.models.notifications import Notification
from src.models.orders import Order, StallOrder
from src.services.common.money import rupiah
from src.settings import Settings
from tests.notifications.test_notifications import Receiver, _place, receiver  # noqa: F401  (a fixture)
from tests.support.graphql import GraphQLClient
from tests.support.world import Shop


async def test_a_traders_notification_and_webhook_carry_their_part_only(
    world: Shop,
    gql: GraphQLClient,
    settings: Settings,
    run_jobs: Any,
    receiver: tuple[Receiver, int],  # noqa: F811
) -> None:
    hooked = settings.model_copy(
        update={
            "webhook_enabled": True,
            "webhook_url": f"http://127.0.0.1:{receiver[1]}/gateway",
            "webhook_secret": SecretStr("s"),
        }
    )
    placed = await _place(gql, world, settings)
    await run_jobs(settings=hooked)
    order = await Order.get(number=placed["number"])
    assert order.delivery_fee > 0
    parts = {p.stall.trader_id: p for p in await StallOrder.filter(order_id=order.id).select_related("stall")}

    calls = {c["phone"]: c for c in receiver[0].bodies()}
    for trader in world.traders:
        part = parts[trader.id]
        sent = calls[trader.phone]
        assert sent["template"] == "order_placed_trader"
        assert sent["params"]["subtotal"] == rupiah(part.subtotal)
        assert not {"total", "fee", "due"} & set(sent["params"]), sent["params"]
        raw = orjson.dumps(sent).decode()
        assert rupiah(order.total) not in raw and rupiah(order.delivery_fee) not in raw
        [note] = await Notification.filter(user_id=trader.id)
        assert note.data == {"orderId": order.id, "orderNumber": order.number, "stallOrderId": part.id}
        assert rupiah(order.total) not in note.body and rupiah(order.delivery_fee) not in note.body
        assert rupiah(part.subtotal) in note.body
    # The buyer still hears the whole order's money.
    to_buyer = calls[world.buyer.phone]
    assert to_buyer["params"]["total"] == rupiah(order.total)
    assert to_buyer["params"]["fee"] == rupiah(order.delivery_fee)

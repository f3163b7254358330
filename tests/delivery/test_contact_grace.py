"""A courier sees the buyer's address, name and phone while delivering and for a grace period after
(COURIER_CONTACT_GRACE_HOURS, 24 h), then no more: in the queue, the order, the assignment node, the day's
settlement and the order's subscription; the market's admins and the buyer keep seeing them."""

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
import websockets
from strawberry.relay import to_base64
from tortoise.timezone import now

from src.models.delivery import AssignmentStatus, DeliveryAssignment
from src.models.orders import Order
from src.models.outbox import OutboxEvent
from src.services import delivery, notifications
from src.settings import Settings
from tests.factories import token_for
from tests.support.graphql import GraphQLClient
from tests.support.processes import free_port, pasar_env, start_api
from tests.support.world import World

CONTACT = "address { line recipientName recipientPhone location { lat } } buyer { name phone } note"
QUEUE = f"""query($status: AssignmentStatus) {{ myDeliveryQueue(status: $status) {{ id proofPhotoUrl
  order {{ number {CONTACT} }} }} }}"""
ORDER = f"query($id: ID!) {{ order(id: $id) {{ number {CONTACT} delivery {{ status }} }} }}"
NODE = f"""query($id: ID!) {{ node(id: $id) {{ ... on DeliveryAssignment {{ status proofPhotoUrl
  order {{ number {CONTACT} }} }} }} }}"""
SETTLEMENT = f"""query($date: Date!) {{ courierSettlement(date: $date) {{ deliveries {{
  order {{ number {CONTACT} }} }} }} }}"""


async def _delivered(world: World, settings: Settings, *, hours_ago: float = 0) -> tuple[Order, DeliveryAssignment]:
    """An order delivered by the first courier, `hours_ago` (the moment set in the database)."""
    order = await world.order()
    assignment = await world.deliver(order)
    # A photo of the door and a note on how to find it: as telling as the address.
    await DeliveryAssignment.filter(id=assignment.id).update(proof_photo_key=f"proofs/{assignment.id}-door.jpg")
    await Order.filter(id=order.id).update(note="Pagar hijau, telepon dulu")
    if hours_ago:
        moment = now() - timedelta(hours=hours_ago)
        await DeliveryAssignment.filter(id=assignment.id).update(ended_at=moment, delivered_at=moment)
    return order, await DeliveryAssignment.get(id=assignment.id)


async def _first_update(host: str, token: str, order_id: str) -> dict[str, Any]:
    """The first `orderUpdated` payload (the order as it is now) over graphql-transport-ws."""
    query = f"subscription($id: ID!) {{ orderUpdated(orderId: $id) {{ number {CONTACT} }} }}"
    async with websockets.connect(f"ws://{host}/graphql", subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
        message = {"query": query, "variables": {"id": order_id}}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": message}))
        while True:
            answer = json.loads(await asyncio.wait_for(socket.recv(), 10))
            if answer["type"] != "ping":
                assert answer["type"] == "next" and not answer["payload"].get("errors"), answer
                return dict(answer["payload"]["data"]["orderUpdated"])


def _contact_shown(order: dict[str, Any]) -> bool:
    shown = order["address"] is not None
    assert shown == (order["buyer"] is not None), order  # address, buyer and note go together
    assert shown == (order["note"] == "Pagar hijau, telepon dulu"), order
    return shown


async def test_a_delivery_finished_over_a_day_ago_hides_the_buyers_contact_from_its_courier(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    old, old_assignment = await _delivered(world, settings, hours_ago=25)
    recent, recent_assignment = await _delivered(world, settings, hours_ago=23)
    courier = token_for(world.couriers[0], settings)

    queue = (await gql(QUEUE, {"status": "DELIVERED"}, token=courier))["myDeliveryQueue"]
    shown = {entry["order"]["number"]: _contact_shown(entry["order"]) for entry in queue}
    assert shown == {old.number: False, recent.number: True}
    photos = {entry["order"]["number"]: entry["proofPhotoUrl"] is not None for entry in queue}
    assert photos == {old.number: False, recent.number: True}
    recent_entry = next(e for e in queue if e["order"]["number"] == recent.number)
    assert recent_entry["order"]["address"]["recipientPhone"] == "+6281234567890"
    assert recent_entry["order"]["buyer"]["phone"] == world.buyer.phone

    for order, assignment, expected in ((old, old_assignment, False), (recent, recent_assignment, True)):
        seen = (await gql(ORDER, {"id": to_base64("Order", order.id)}, token=courier))["order"]
        assert seen["number"] == order.number and _contact_shown(seen) is expected
        assert seen["delivery"] == {"status": "DELIVERED"}
        node = (await gql(NODE, {"id": to_base64("DeliveryAssignment", assignment.id)}, token=courier))["node"]
        assert _contact_shown(node["order"]) is expected and (node["proofPhotoUrl"] is not None) is expected

    # The day's settlement lists the old delivery on its day, without the contact.
    day = old_assignment.delivered_at.astimezone(delivery.orders_service.WIB).date()  # type: ignore[union-attr]
    listed = (await gql(SETTLEMENT, {"date": day.isoformat()}, token=courier))["courierSettlement"]["deliveries"]
    assert [_contact_shown(d["order"]) for d in listed if d["order"]["number"] == old.number] == [False]

    # The market's admin and the buyer still see where it went and who ordered.
    for viewer in (world.admin, world.buyer):
        seen = (await gql(ORDER, {"id": to_base64("Order", old.id)}, token=token_for(viewer, settings)))["order"]
        assert _contact_shown(seen) and seen["address"]["line"].startswith("Jl. Ijen")
        node_query = {"id": to_base64("DeliveryAssignment", old_assignment.id)}
        if viewer is world.admin:
            node = (await gql(NODE, node_query, token=token_for(viewer, settings)))["node"]
            assert _contact_shown(node["order"]) and node["proofPhotoUrl"] is not None


async def test_the_grace_period_is_a_setting_and_failed_deliveries_follow_it(
    world: World, gql: GraphQLClient, settings: Settings
) -> None:
    courier = world.couriers[0]
    order = await world.order()
    assignment = await delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=courier.id)
    assert delivery.courier_sees_contact(assignment, settings)  # live
    await delivery.mark_picked_up(actor=courier, assignment_id=assignment.id)
    failed = await delivery.mark_failed(actor=courier, assignment_id=assignment.id, reason="Rumah kosong")
    assert failed.status == AssignmentStatus.FAILED and delivery.courier_sees_contact(failed, settings)
    assert not delivery.courier_sees_contact(failed, settings.model_copy(update={"courier_contact_grace_hours": 0}))
    await DeliveryAssignment.filter(id=failed.id).update(ended_at=now() - timedelta(hours=24, seconds=5))
    seen = (await gql(ORDER, {"id": to_base64("Order", order.id)}, token=token_for(courier, settings)))["order"]
    assert seen["address"] is None and seen["buyer"] is None
    # Another courier of the market never sees it at all.
    other = token_for(world.couriers[1], settings)
    assert (await gql(ORDER, {"id": to_base64("Order", order.id)}, token=other))["order"] is None


@pytest.mark.slow
async def test_the_order_subscription_hides_the_contact_after_the_grace_period(
    world: World, settings: Settings, tmp_path: Any
) -> None:
    old, _ = await _delivered(world, settings, hours_ago=25)
    recent, _ = await _delivered(world, settings)
    port = free_port()
    process = start_api(port, env=pasar_env(settings), log=tmp_path / "api.log")
    try:
        for order, expected in ((old, False), (recent, True)):
            token = token_for(world.couriers[0], settings)
            first = await _first_update(f"127.0.0.1:{port}", token, to_base64("Order", order.id))
            assert first["number"] == order.number and _contact_shown(first) is expected
    finally:
        process.terminate()
        process.wait(timeout=15)


async def test_a_couriers_offer_notification_names_the_district_not_the_street(
    world: World, settings: Settings
) -> None:
    courier = world.couriers[0]
    await world.available(courier, km_from_market=0.5)
    order = await world.order()
    await Order.filter(id=order.id).update(address_area="")  # many buyers give no district
    assert await delivery.offer_order(order_id=order.id, settings=settings) is not None
    event = await OutboxEvent.get(topic="delivery.offered")
    [offer] = await notifications.create_notifications(event_id=event.id, settings=settings)  # the job's work
    assert offer.user_id == courier.id
    assert "Jl. Ijen" not in offer.body and "Jl. Ijen" not in str(offer.params)
    assert "alamat pembeli" in offer.body

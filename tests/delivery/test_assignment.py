"""Automatic and manual courier assignment: fairness, expiry, decline, reassignment, twice-run jobs, no courier."""

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from tortoise.timezone import now

from src.models.delivery import AssignmentStatus, DeliveryAssignment
from src.models.notifications import Notification
from src.models.orders import OrderEvent, OrderStatus
from src.services import delivery
from src.services import notifications as notifications_service
from src.services.common.errors import DomainError, ErrorCode
from src.settings import Settings
from tests.support.world import World

S = AssignmentStatus


async def _code(coro: Any) -> tuple[ErrorCode, str | None]:
    with pytest.raises(DomainError) as caught:
        await coro
    return caught.value.code, caught.value.field


async def _live(order_id: int) -> list[DeliveryAssignment]:
    return await DeliveryAssignment.filter(order_id=order_id, status__in=list(delivery.LIVE))


async def test_the_courier_with_fewer_live_deliveries_gets_the_next_order(world: World, settings: Settings) -> None:
    a, b, c = world.couriers
    await world.available(a, km_from_market=0.2)
    await world.available(b, km_from_market=3.0)
    # c stays unavailable: never offered anything

    first = await delivery.offer_order(order_id=(await world.order()).id, settings=settings)
    assert first is not None and first.courier_id == a.id  # a tie at 0: the nearest to the market
    second = await delivery.offer_order(order_id=(await world.order()).id, settings=settings)
    assert second is not None and second.courier_id == b.id  # a has one live delivery, b none
    third = await delivery.offer_order(order_id=(await world.order()).id, settings=settings)
    assert third is not None and third.courier_id == a.id  # one each again: nearest first

    await delivery.accept(actor=a, assignment_id=first.id)
    await delivery.mark_picked_up(actor=a, assignment_id=first.id)
    await delivery.mark_delivered(
        actor=a, assignment_id=first.id, cod_collected=first.cod_expected, proof_photo=None, storage=None,  # type: ignore[arg-type]
        settings=settings,
    )  # fmt: skip
    fourth = await delivery.offer_order(order_id=(await world.order()).id, settings=settings)
    assert fourth is not None and fourth.courier_id == a.id  # a delivered one: 1 live against b's 1, and nearer
    assert c.id not in await DeliveryAssignment.all().values_list("courier_id", flat=True)


async def test_an_order_is_offered_only_when_ready(world: World, settings: Settings) -> None:
    await world.available(world.couriers[0])
    placed = await world.order(ready=False)
    assert await delivery.offer_order(order_id=placed.id, settings=settings) is None
    assert await DeliveryAssignment.filter(order_id=placed.id).count() == 0


async def test_a_declined_offer_passes_on_at_once_and_a_blank_reason_changes_nothing(
    world: World, settings: Settings
) -> None:
    a, b, _ = world.couriers
    await world.available(a, km_from_market=0.1)
    await world.available(b, km_from_market=2.0)
    order = await world.order()
    offer = await delivery.offer_order(order_id=order.id, settings=settings)
    assert offer is not None and offer.courier_id == a.id

    assert await _code(delivery.decline(actor=a, assignment_id=offer.id, reason="  ", settings=settings)) == (
        ErrorCode.INVALID_INPUT,
        "reason",
    )
    assert (await DeliveryAssignment.get(id=offer.id)).status == S.OFFERED

    declined, following = await delivery.decline(actor=a, assignment_id=offer.id, reason="Ban bocor", settings=settings)
    assert declined.status == S.DECLINED and declined.reason == "Ban bocor"
    assert following is not None and following.courier_id == b.id and following.status == S.OFFERED
    # b declines too: nobody is left who has not had it, so the order waits for the admin.
    _, nobody = await delivery.decline(actor=b, assignment_id=following.id, reason="Jauh", settings=settings)
    assert nobody is None
    assert [o.id for o in await delivery.waiting_orders(actor=world.admin, market_id=world.market.id)] == [order.id]
    assert await OrderEvent.filter(order_id=order.id, type="NO_COURIER").count() == 1
    # A courier who declined cannot take it back by accepting the old offer.
    assert (await _code(delivery.accept(actor=a, assignment_id=offer.id)))[0] == ErrorCode.INVALID_STATE


async def test_an_offer_not_accepted_in_time_passes_on_through_the_deferred_job(
    world: World, settings: Settings, run_jobs: Any, redis: Any
) -> None:
    """The whole chain on a real worker: ready → assignment job → offer → deferred expiry → next courier
    → expiry → nobody left: the admin is told and sees the order waiting."""
    quick = settings.model_copy(update={"delivery_offer_seconds": 0.5})
    a, b, _ = world.couriers
    await world.available(a, km_from_market=0.1)
    await world.available(b, km_from_market=1.0)
    order = await world.order()
    from src.jobs.queue import create_queue

    queue = create_queue(quick)
    try:
        assert await notifications_service.hand_over(queue) > 0  # the order's outbox events, as the relay would
        worker = await run_jobs(settings=quick)
    finally:
        await queue.aclose()
    assert worker.jobs_failed == 0
    rows = await DeliveryAssignment.filter(order_id=order.id).order_by("id")
    assert [(r.courier_id, r.status) for r in rows] == [(a.id, S.EXPIRED), (b.id, S.EXPIRED)]
    assert all(r.live_order_id is None and r.ended_at is not None for r in rows)
    assert (await delivery.waiting_orders(actor=world.admin, market_id=world.market.id))[0].id == order.id
    told = await Notification.filter(type__in=["delivery.offered", "order.no_courier"]).values_list("user_id", "type")
    assert sorted(told) == sorted(
        [(a.id, "delivery.offered"), (b.id, "delivery.offered"), (world.admin.id, "order.no_courier")]
    )


async def test_an_accepted_offer_does_not_expire(world: World, settings: Settings) -> None:
    a = world.couriers[0]
    await world.available(a)
    offer = await delivery.offer_order(order_id=(await world.order()).id, settings=settings)
    assert offer is not None
    await delivery.accept(actor=a, assignment_id=offer.id)
    await DeliveryAssignment.filter(id=offer.id).update(expires_at=now() - timedelta(minutes=5))
    assert await delivery.expire_offer(assignment_id=offer.id, settings=settings) is None
    assert (await DeliveryAssignment.get(id=offer.id)).status == S.ACCEPTED


async def test_a_late_accept_is_refused_and_the_sweep_passes_the_offer_on(world: World, settings: Settings) -> None:
    a, b, _ = world.couriers
    await world.available(a, km_from_market=0.1)
    await world.available(b, km_from_market=1.0)
    offer = await delivery.offer_order(order_id=(await world.order()).id, settings=settings)
    assert offer is not None
    await DeliveryAssignment.filter(id=offer.id).update(expires_at=now() - timedelta(minutes=5))
    assert await _code(delivery.accept(actor=a, assignment_id=offer.id)) == (ErrorCode.OFFER_EXPIRED, None)
    from src.jobs.delivery import sweep_delivery_offers

    class Quiet:  # hand-over after the sweep: Redis is not what this test is about
        async def enqueue_job(self, *args: Any, **kwargs: Any) -> None:
            return None

        def pipeline(self, **kwargs: Any) -> Any:
            raise OSError("no redis here")

    assert await sweep_delivery_offers({"settings": settings, "redis": Quiet()}) == 1
    assert (await DeliveryAssignment.get(id=offer.id)).status == S.EXPIRED
    assert [x.courier_id for x in await _live(offer.order_id)] == [b.id]


async def test_the_assignment_job_run_twice_or_racing_assigns_once(
    world: World, settings: Settings, run_jobs: Any
) -> None:
    for courier in world.couriers:
        await world.available(courier)
    order = await world.order()
    results = await asyncio.gather(*(delivery.offer_order(order_id=order.id, settings=settings) for _ in range(8)))
    assert len([r for r in results if r is not None]) == 1
    assert len(await _live(order.id)) == 1

    # The same through arq: two hand-overs of the job (different ids, as a relay and a retry would make).
    second = await world.order()
    from src.jobs.queue import create_queue

    queue = create_queue(settings)
    try:
        await queue.enqueue_job("assign_courier", second.id, _job_id="first")
        await queue.enqueue_job("assign_courier", second.id, _job_id="again")
        await run_jobs(cron_jobs=[], max_jobs=1, functions=_assign_only())
    finally:
        await queue.aclose()
    assert len(await _live(second.id)) == 1
    assert await DeliveryAssignment.filter(order_id=second.id).count() == 1


def _assign_only() -> list[Any]:
    from src.jobs.worker import FUNCTIONS

    return [f for f in FUNCTIONS if f.name == "assign_courier"]


async def test_no_courier_available_leaves_the_order_to_the_admin_until_one_comes(
    world: World, settings: Settings
) -> None:
    order = await world.order()
    assert await delivery.offer_order(order_id=order.id, settings=settings) is None
    assert await DeliveryAssignment.filter(order_id=order.id).count() == 0
    assert [o.id for o in await delivery.waiting_orders(actor=world.admin, market_id=world.market.id)] == [order.id]
    assert await _code(delivery.waiting_orders(actor=world.other_admin, market_id=world.market.id)) == (
        ErrorCode.PERMISSION_DENIED,
        None,
    )
    # A courier becoming available is handed the waiting orders to offer again.
    _, waiting = await delivery.set_availability(actor=world.couriers[1], available=True)
    assert waiting == [order.id]
    offer = await delivery.offer_order(order_id=order.id, settings=settings)
    assert offer is not None and offer.courier_id == world.couriers[1].id
    assert await delivery.waiting_orders(actor=world.admin, market_id=world.market.id) == []


async def test_manual_assignment_and_reassignment(world: World, settings: Settings) -> None:
    a, b, c = world.couriers
    await world.available(a)
    order = await world.order()
    offer = await delivery.offer_order(order_id=order.id, settings=settings)
    assert offer is not None and offer.courier_id == a.id

    manual = await delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=b.id)
    assert manual.status == S.ACCEPTED and manual.courier_id == b.id and manual.assigned_by_id == world.admin.id
    assert (await DeliveryAssignment.get(id=offer.id)).status == S.WITHDRAWN
    again = await delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=b.id)
    assert again.id == manual.id  # the same courier again: nothing changes
    moved = await delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=c.id)
    assert [x.id for x in await _live(order.id)] == [moved.id]
    assert await delivery.offer_order(order_id=order.id, settings=settings) is None  # the job leaves it alone

    await delivery.mark_picked_up(actor=c, assignment_id=moved.id)
    # The goods are with c now: no reassignment until c delivers or fails.
    assert (await _code(delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=a.id)))[0] == (
        ErrorCode.INVALID_STATE
    )
    timeline = await OrderEvent.filter(order_id=order.id, type="COURIER_ASSIGNED").values_list("message", flat=True)
    assert list(timeline) == [b.name, c.name]


async def test_admins_assign_only_within_their_market(world: World, settings: Settings) -> None:
    order = await world.order()
    a = world.couriers[0]
    assert await _code(delivery.assign_manually(actor=world.other_admin, order_id=order.id, courier_id=a.id)) == (
        ErrorCode.PERMISSION_DENIED,
        None,
    )
    assert await _code(
        delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=world.foreign_courier.id)
    ) == (ErrorCode.DIFFERENT_MARKET, "courierId")
    assert await _code(delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=world.buyer.id)) == (
        ErrorCode.NOT_FOUND,
        "courierId",
    )
    for someone in (world.trader, world.buyer, a):
        assert (await _code(delivery.assign_manually(actor=someone, order_id=order.id, courier_id=a.id)))[0] == (
            ErrorCode.PERMISSION_DENIED
        )
    assert await DeliveryAssignment.filter(order_id=order.id).count() == 0


async def test_a_failed_delivery_returns_the_order_to_the_market_for_the_admin(
    world: World, settings: Settings
) -> None:
    a, b, _ = world.couriers
    await world.available(a)
    order = await world.order()
    offer = await delivery.offer_order(order_id=order.id, settings=settings)
    assert offer is not None
    await delivery.accept(actor=a, assignment_id=offer.id)
    assert await _code(delivery.mark_failed(actor=a, assignment_id=offer.id, reason="tidak ada orang")) == (
        ErrorCode.INVALID_STATE,
        None,
    )  # not picked up yet: decline instead
    await delivery.mark_picked_up(actor=a, assignment_id=offer.id)
    assert (await _code(delivery.mark_failed(actor=a, assignment_id=offer.id, reason="")))[1] == "reason"
    failed = await delivery.mark_failed(actor=a, assignment_id=offer.id, reason="Rumah kosong")
    assert failed.status == S.FAILED and failed.live_order_id is None
    back = await delivery.waiting_orders(actor=world.admin, market_id=world.market.id)
    assert [o.id for o in back] == [order.id] and back[0].status == OrderStatus.READY_FOR_PICKUP
    retry = await delivery.assign_manually(actor=world.admin, order_id=order.id, courier_id=b.id)
    assert retry.status == S.ACCEPTED
    types = await OrderEvent.filter(order_id=order.id).order_by("id").values_list("type", flat=True)
    assert list(types)[-4:] == ["COURIER_ASSIGNED", "PICKED_UP", "DELIVERY_FAILED", "COURIER_ASSIGNED"]


async def test_cancelling_an_order_withdraws_its_courier(world: World, settings: Settings) -> None:
    from src.services import orders as orders_service

    a = world.couriers[0]
    await world.available(a)
    order = await world.order()
    offer = await delivery.offer_order(order_id=order.id, settings=settings)
    assert offer is not None
    await delivery.accept(actor=a, assignment_id=offer.id)
    await orders_service.cancel_order(actor=world.buyer, order_id=order.id, reason="salah alamat")
    withdrawn = await DeliveryAssignment.get(id=offer.id)
    assert withdrawn.status == S.WITHDRAWN and withdrawn.live_order_id is None
    assert (await _code(delivery.mark_picked_up(actor=a, assignment_id=offer.id)))[0] == ErrorCode.INVALID_STATE

"""A worker SIGKILLed in the middle of its jobs: after a restart every job completes, and none has a
duplicated side effect."""

import asyncio
import signal
import subprocess
import time
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from src.jobs.queue import create_queue
from src.models.accounts import User
from src.models.delivery import AssignmentStatus, DeliveryAssignment
from src.models.notifications import DeliveryStatus, Notification
from src.models.outbox import OutboxEvent
from src.services import delivery
from src.services import notifications as notifications_service
from src.settings import Settings
from tests.support.processes import free_port, pasar_env, start_pasar
from tests.support.world import make_world


class SlowMailbox:
    """An SMTP server that takes its time over each message, so a worker is killed with sends in flight."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.1)
        self.message_ids.append(str(message_from_bytes(envelope.content)["Message-ID"]))
        return "250 OK"


@pytest.fixture
def mailbox() -> Any:
    box = SlowMailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


def _worker(settings: Settings, smtp_port: int, log: Path) -> subprocess.Popen[bytes]:
    env = pasar_env(settings, EMAIL_ENABLED="true", SMTP_PORT=str(smtp_port), DELIVERY_OFFER_SECONDS="600",
                    WORKER_POLL_DELAY="0.05")  # fmt: skip
    return start_pasar("worker", env=env, log=log)


async def _unfinished(orders: int) -> bool:
    """Whether work is left: events not processed, emails not sent, orders with no courier offered."""
    return bool(
        await OutboxEvent.filter(processed_at__isnull=True).exists()
        or await Notification.filter(email_status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]).exists()
        or await DeliveryAssignment.all().count() < orders
    )


async def test_a_worker_killed_mid_jobs_finishes_them_after_a_restart_without_duplicates(
    clean_db: None, settings: Settings, mailbox: Any, redis: Any, tmp_path: Path
) -> None:
    box, smtp_port = mailbox
    world = await make_world(settings, couriers=2)
    await User.all().update(email="warga@example.id")
    for courier in world.couriers:
        await world.available(courier)
    orders = [await world.order(km_north=0.5 + n / 10) for n in range(8)]
    queue = create_queue(settings)
    try:
        while await notifications_service.hand_over(queue):
            pass
    finally:
        await queue.aclose()

    worker = _worker(settings, smtp_port, tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 60
        while len(box.message_ids) < 6 and time.monotonic() < deadline:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            await asyncio.sleep(0.05)
        assert len(box.message_ids) >= 6, (tmp_path / "worker.log").read_text()[-2000:]
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    in_flight = set(await Notification.filter(email_status=DeliveryStatus.SENDING).values_list("id", flat=True))
    unfinished = (
        await OutboxEvent.filter(processed_at__isnull=True).count()
        + await Notification.filter(email_status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]).count()
    )
    assert unfinished > 0  # killed in the middle, not after the end

    # The killed worker's jobs stay "in progress" until their lock expires; a restart after that runs them.
    for key in await redis.keys("arq:in-progress:*"):
        await redis.delete(key)
    restarted = _worker(settings, smtp_port, tmp_path / "restarted.log")
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert restarted.poll() is None, (tmp_path / "restarted.log").read_text()
            if not await _unfinished(len(orders)):
                break
            await asyncio.sleep(0.2)
    finally:
        restarted.terminate()
        restarted.wait(timeout=15)

    assert await OutboxEvent.filter(processed_at__isnull=True).count() == 0
    notifications = await Notification.all()
    assert notifications and all(n.email_status == DeliveryStatus.SENT for n in notifications)
    # Every email arrived; a second copy only where the kill fell between the send and its record, and then
    # with the same Message-ID, which a mail server keeps once.
    for n in notifications:
        copies = box.message_ids.count(f"<notification-{n.id}@pasar-online>")
        assert copies == 1 or (copies == 2 and n.id in in_flight), (n.id, copies)
    # One courier per order, whatever ran twice.
    for order in orders:
        live = await DeliveryAssignment.filter(order_id=order.id, status__in=list(delivery.LIVE)).count()
        assert live == 1, order.number
    assert await DeliveryAssignment.filter(status=AssignmentStatus.OFFERED).count() == len(orders)

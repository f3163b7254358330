"""Notifications: from outbox events to one notification per recipient, and delivery on each channel.

The outbox event commits with the change that causes it. It is handed to arq right after the commit
(and by a sweep for events whose hand-over was lost); the job makes the notifications (one per event and
recipient, so a second run makes none) and queues one delivery job per channel, which sends at most
once after success: a SENT delivery is never sent again.
"""

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

import aiosmtplib
import httpx
import orjson
from tortoise.exceptions import IntegrityError
from tortoise.timezone import now

from src.models.accounts import Role, User
from src.models.notifications import DeliveryStatus, Notification
from src.models.orders import Order, PaymentMethod, PaymentStatus, StallOrderStatus
from src.models.outbox import OutboxEvent
from src.services import notification_texts as texts
from src.services import outbox
from src.services.money import rupiah
from src.settings import Settings

if TYPE_CHECKING:
    from arq.connections import ArqRedis

log = logging.getLogger(__name__)

DELIVER_EVENT_JOB = "deliver_outbox_event"
EMAIL_JOB = "send_notification_email"
WEBHOOK_JOB = "send_notification_webhook"


class TransientDeliveryError(Exception):
    """The channel may work later (server down, 5xx, timeout): retry with backoff."""


class PermanentDeliveryError(Exception):
    """The channel refused this message for good (a 4xx): record it as failed."""


# ---------------------------------------------------------------------------------------------- hand-over


async def requeue_stalled(queue: "ArqRedis", *, older_than: timedelta) -> None:
    """What a lost job left behind: events handed over but never processed, deliveries never finished.

    Queuing is keyed (a job still waiting or retrying makes this a no-op) and every job is idempotent,
    so this can run as often as wanted.
    """
    from src.services import queue as queue_service
    from src.services.errors import DomainError

    cutoff = now() - older_than
    await OutboxEvent.filter(dispatched_at__lt=cutoff, processed_at__isnull=True).update(dispatched_at=None)
    for channel, job in (("email", EMAIL_JOB), ("webhook", WEBHOOK_JOB)):
        waiting = {f"{channel}_status__in": [DeliveryStatus.PENDING, DeliveryStatus.SENDING], "created_at__lt": cutoff}
        for notification_id in await Notification.filter(**waiting).limit(500).values_list("id", flat=True):
            try:
                await queue_service.enqueue(queue, job, notification_id, job_id=f"{channel}:{notification_id}")
            except DomainError:
                return


async def hand_over(queue: "ArqRedis", *, limit: int = 200) -> int:
    """Queue the jobs of every outbox event not yet handed over (the relay's sweep); stops quietly while
    Redis is down."""
    pending = (
        await OutboxEvent.filter(dispatched_at__isnull=True).order_by("id").limit(limit).values_list("id", flat=True)
    )
    return await _hand_over_ids(queue, [int(i) for i in pending])  # type: ignore[call-overload]


async def hand_over_written(queue: "ArqRedis") -> int:
    """After a request's commit: queue the events this request wrote (the relay picks up the rest) and
    signal the subscribers of what it touched."""
    from src.services import live

    await live.publish(queue, outbox.take_touched())
    return await _hand_over_ids(queue, outbox.take())


async def _hand_over_ids(queue: "ArqRedis", event_ids: list[int]) -> int:
    from src.services import queue as queue_service
    from src.services.errors import DomainError

    handed: list[int] = []
    for event_id in event_ids:
        try:
            await queue_service.enqueue(queue, DELIVER_EVENT_JOB, event_id, job_id=f"outbox:{event_id}")
        except DomainError:
            break  # Redis is down: the relay hands these over once it is back
        handed.append(event_id)
    if handed:
        await OutboxEvent.filter(id__in=handed, dispatched_at__isnull=True).update(dispatched_at=now())
    return len(handed)


# ---------------------------------------------------------------------------------------------- recipients


@dataclass(frozen=True)
class Message:
    user: User
    template: str
    params: dict[str, Any]
    stall_order_id: int | None = None  # a trader's message is about their part


def _order_params(order: dict[str, Any], language: str) -> dict[str, Any]:
    due = order["payment_due_at"]
    return {
        "number": order["number"],
        "total": rupiah(order["total"]),
        "subtotal": rupiah(order["subtotal"]),
        "fee": rupiah(order["delivery_fee"]),
        "payment": texts.PAYMENT[language][order["payment_method"]],
        "slot": texts.slot_text(date.fromisoformat(order["slot_date"]), order["slot_window"], language),
        "due": texts.time_text(datetime.fromisoformat(due)) if due else "",
        "reason": texts.reason_text(order["cancel_reason"] or "", language),
    }


def _part_params(part: dict[str, Any], order: dict[str, Any], language: str) -> dict[str, Any]:
    """A stall's part, for the buyer (who also sees the whole order's money)."""
    return {**_order_params(order, language), **_trader_params(part, order, language)}


def _trader_params(part: dict[str, Any], order: dict[str, Any], language: str) -> dict[str, Any]:
    """What a trader is told of an order: their own part, never the order's total or delivery fee (which
    `total: null` hides from them in the API too, and which the webhook would pass on to the gateway)."""
    listing = ", ".join(f"{name} {texts.quantity_text(qty, unit, language)}" for name, qty, unit in part["items"])
    return {
        "number": order["number"],
        "payment": texts.PAYMENT[language][order["payment_method"]],
        "slot": texts.slot_text(date.fromisoformat(order["slot_date"]), order["slot_window"], language),
        "stall": part["stall"],
        "items": listing,
        "subtotal": rupiah(part["subtotal"]),
        "reason": part["reject_reason"] or texts.reason_text(order["cancel_reason"] or "", language),
    }


async def messages_for(event: OutboxEvent) -> list[Message]:
    """Who hears about an event, and what they are told: from the order as it was at the event."""
    from src.services.orders import snapshot

    payload: dict[str, Any] = event.payload
    if event.topic.startswith("report."):
        return await _report_messages(event.topic, payload)
    order: dict[str, Any] = payload.get("order") or await snapshot(await Order.get(id=payload["order_id"]))  # type: ignore[assignment]
    parts: list[dict[str, Any]] = order["parts"]
    people = {u.id: u for u in await User.filter(id__in=[order["buyer_id"], *(p["trader_id"] for p in parts)])}
    buyer = people[order["buyer_id"]]
    kind = event.topic.removeprefix("order.")
    part = next((p for p in parts if p["id"] == payload.get("stall_order_id")), None)
    live = [p for p in parts if p["status"] != StallOrderStatus.REJECTED.value]
    result: list[Message] = []

    def to_traders(template: str, which: list[dict[str, Any]]) -> None:
        for p in which:
            trader = people[p["trader_id"]]
            result.append(Message(trader, template, _trader_params(p, order, trader.language), stall_order_id=p["id"]))

    def to_buyer(template: str, **extra: Any) -> None:
        result.append(Message(buyer, template, {**_order_params(order, buyer.language), **extra}))

    async def to_admins(template: str, **extra: Any) -> None:
        """The order's market admins (not the trade office: it hears through the reports)."""
        actor = await User.get_or_none(id=payload["actor_id"]) if payload.get("actor_id") else None
        admins = await User.filter(role=Role.MARKET_ADMIN, market_id=order.get("market_id"), is_active=True)
        for admin in admins:
            params = {**_order_params(order, admin.language), "courier": actor.name if actor else "", **extra}
            result.append(Message(admin, template, params))

    def _courier_params(courier_user: User) -> dict[str, Any]:
        params = _order_params(order, courier_user.language)
        return {
            **params,
            # The district only (a courier keeps notifications, not the buyer's street): the address itself
            # is in the app while they deliver.
            "area": order.get("district")
            or texts.BUYERS_ADDRESS.get(courier_user.language, texts.BUYERS_ADDRESS["id"]),
            "distance": order.get("distance_km", ""),
            "cod": rupiah(int(payload.get("cod") or 0)),
            "minutes": max(1, round(float(payload.get("offer_seconds") or 60) / 60)),
        }

    if kind == "placed":
        to_traders("order_placed_trader", live)
        to_buyer("order_placed_buyer")
    elif kind == "awaiting_payment":
        to_buyer("order_awaiting_payment_buyer")
    elif kind == "payment_confirmed":
        to_traders("payment_confirmed_trader", live)
        to_buyer("payment_confirmed_buyer")
    elif kind in ("stall_accepted", "stall_rejected") and part is not None:
        template = "stall_accepted_buyer" if kind == "stall_accepted" else "stall_rejected_buyer"
        result.append(Message(buyer, template, _part_params(part, order, buyer.language)))
    elif kind == "weighed":
        quantity = texts.quantity_text(str(payload.get("quantity", "")), str(payload.get("unit", "")), buyer.language)
        to_buyer("weighed_buyer", item=payload.get("item", ""), quantity=quantity)
    elif kind == "ready_for_pickup":
        to_buyer("ready_buyer")
    elif kind in ("courier_assigned", "picked_up", "delivered"):
        courier = {"courier": payload.get("courier_name", ""), "courier_phone": payload.get("courier_phone", "")}
        to_buyer(f"{kind}_buyer", **courier)
    elif kind == "delivery_failed":
        to_buyer("delivery_failed_buyer", reason=payload.get("message", ""))
        await to_admins("delivery_failed_admin", reason=payload.get("message", ""))
    elif kind == "no_courier":
        await to_admins("no_courier_admin")
    elif kind == "cod_mismatch":
        await to_admins(
            "cod_mismatch_admin",
            expected=rupiah(int(payload.get("expected") or 0)),
            collected=rupiah(int(payload.get("collected") or 0)),
        )
    elif kind in ("delivery.offered", "delivery.assigned"):
        courier_user = await User.get_or_none(id=payload["courier_id"])
        if courier_user is not None:
            result.append(Message(courier_user, f"{kind.replace('.', '_')}_courier", _courier_params(courier_user)))
    elif kind == "cancelled":
        expired = order["cancel_reason"] == "PAYMENT_EXPIRED"
        if payload.get("courier_id"):
            courier_user = await User.get_or_none(id=payload["courier_id"])
            if courier_user is not None:
                result.append(Message(courier_user, "cancelled_courier", _order_params(order, courier_user.language)))
        to_buyer("payment_expired_buyer" if expired else "cancelled_buyer")
        # Traders heard of the order only once it was placed: COD at once, transfer and QRIS once paid.
        traders_knew = order["payment_method"] == PaymentMethod.COD.value or order["payment_status"] == (
            PaymentStatus.PAID.value
        )
        if not expired and traders_knew:
            to_traders("cancelled_trader", [p for p in parts if p["status"] == StallOrderStatus.CANCELLED.value])
    return result


async def _report_messages(topic: str, payload: dict[str, Any]) -> list[Message]:
    """A finished export is announced to the admin who asked for it."""
    from src.models.reports import ReportExport

    export = await ReportExport.get_or_none(id=payload["export_id"]).select_related("requested_by", "market")
    if topic != "report.ready" or export is None:
        return []
    user = export.requested_by
    scope = export.market.name if export.market else texts.CITY[user.language if user.language in texts.CITY else "id"]
    params = {"scope": scope, "from": export.date_from.isoformat(), "to": export.date_to.isoformat()}
    return [Message(user, "report_ready", params | {"rows": export.row_count})]


async def create_notifications(*, event_id: int, settings: Settings) -> list[Notification]:
    """The event's notifications (made once: a second run finds them and makes none)."""
    event = await OutboxEvent.get_or_none(id=event_id)
    if event is None:
        return []
    made: list[Notification] = []
    for message in await messages_for(event):
        user = message.user
        title, body = texts.render(message.template, user.language, message.params)
        email = DeliveryStatus.PENDING if settings.email_enabled and user.email else DeliveryStatus.SKIPPED
        webhook = (
            DeliveryStatus.PENDING if settings.webhook_enabled and settings.webhook_url else DeliveryStatus.SKIPPED
        )
        try:
            notification = await Notification.create(
                user=user,
                event=event,
                type=event.topic,
                language=user.language,
                title=title,
                body=body,
                template=message.template,
                params=message.params,
                data={
                    "orderId": event.payload.get("order_id"),
                    "orderNumber": message.params.get("number"),
                    **({"stallOrderId": message.stall_order_id} if message.stall_order_id else {}),
                    **({"exportId": event.payload["export_id"]} if "export_id" in event.payload else {}),
                },
                email_status=email,
                webhook_status=webhook,
            )
        except IntegrityError:
            notification = await Notification.get(event_id=event.id, user_id=user.id)
        made.append(notification)
    return made


# ---------------------------------------------------------------------------------------------- channels


async def _claim(notification_id: int, channel: str) -> Notification | None:
    """The notification, if this channel still has to send it (PENDING, or SENDING after a crash)."""
    status_field = f"{channel}_status"
    claimed = await Notification.filter(
        id=notification_id, **{f"{status_field}__in": [DeliveryStatus.PENDING, DeliveryStatus.SENDING]}
    ).update(**{status_field: DeliveryStatus.SENDING})
    if not claimed:
        return None
    return await Notification.get(id=notification_id).select_related("user")


async def _record(notification: Notification, channel: str, status: DeliveryStatus, error: str | None) -> None:
    attempts = getattr(notification, f"{channel}_attempts") + 1
    await Notification.filter(id=notification.id).update(
        **{f"{channel}_status": status, f"{channel}_attempts": attempts, f"{channel}_error": error and error[:500]}
    )


async def deliver(
    *,
    notification_id: int,
    channel: str,
    settings: Settings,
    last_try: bool,
    http: httpx.AsyncClient | None = None,
) -> DeliveryStatus | None:
    """Send one notification on one channel. Transient faults raise TransientDeliveryError (retry).

    `http` is the worker's shared client: making one per call costs ~20 ms of CPU (its TLS setup).
    """
    notification = await _claim(notification_id, channel)
    if notification is None:
        return None  # sent already, failed for good, or not for this channel
    try:
        if channel == "email":
            await _send_email(notification, settings)
        elif http is not None:
            await _send_webhook(notification, settings, http)
        else:
            async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds) as client:
                await _send_webhook(notification, settings, client)
    except PermanentDeliveryError as exc:
        await _record(notification, channel, DeliveryStatus.FAILED, str(exc))
        return DeliveryStatus.FAILED
    except TransientDeliveryError as exc:
        status = DeliveryStatus.FAILED if last_try else DeliveryStatus.PENDING
        await _record(notification, channel, status, str(exc))
        if last_try:
            return DeliveryStatus.FAILED
        raise
    await _record(notification, channel, DeliveryStatus.SENT, None)
    return DeliveryStatus.SENT


async def _send_email(notification: Notification, settings: Settings) -> None:
    message = EmailMessage()
    message["From"] = settings.email_from
    message["To"] = notification.user.email or ""
    message["Subject"] = notification.title
    message["Message-ID"] = f"<notification-{notification.id}@pasar-online>"
    message["Content-Language"] = notification.language
    message.set_content(notification.body)
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            start_tls=settings.smtp_starttls,
            timeout=10,
        )
    except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPSenderRefused) as exc:
        raise PermanentDeliveryError(f"SMTP refused the address: {exc}") from exc
    except aiosmtplib.SMTPResponseException as exc:
        if 500 <= exc.code < 600:
            raise PermanentDeliveryError(f"SMTP {exc.code}: {exc.message}") from exc
        raise TransientDeliveryError(f"SMTP {exc.code}: {exc.message}") from exc
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise TransientDeliveryError(f"SMTP: {exc}") from exc


def webhook_body(notification: Notification) -> bytes:
    return orjson.dumps(
        {
            "id": notification.id,
            "phone": notification.user.phone,
            "template": notification.template,
            "params": notification.params,
            "language": notification.language,
        }
    )


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def _send_webhook(notification: Notification, settings: Settings, client: httpx.AsyncClient) -> None:
    body = webhook_body(notification)
    headers = {"Content-Type": "application/json", "Idempotency-Key": f"notification-{notification.id}"}
    if settings.webhook_secret:
        headers["X-Pasar-Signature"] = sign(body, settings.webhook_secret.get_secret_value())
    try:
        response = await client.post(
            str(settings.webhook_url), content=body, headers=headers, timeout=settings.webhook_timeout_seconds
        )
    except httpx.HTTPError as exc:  # timeouts and refused connections
        raise TransientDeliveryError(f"webhook: {type(exc).__name__}: {exc}") from exc
    status = response.status_code
    if status >= 500 or status in (408, 429):  # the gateway is down, busy or slow: later may work
        raise TransientDeliveryError(f"webhook answered {status}")
    if not 200 <= status < 300:  # refused (or redirected, which a signed POST must not follow)
        raise PermanentDeliveryError(f"webhook answered {status}: {response.text[:200]}")


async def mark_failed(*, notification_id: int, channel: str, error: str) -> None:
    """Give up on a delivery that kept failing in an unexpected way (recorded, never silent)."""
    await Notification.filter(id=notification_id).update(
        **{f"{channel}_status": DeliveryStatus.FAILED, f"{channel}_error": error[:500]}
    )


# ---------------------------------------------------------------------------------------------- reading


async def list_for(*, user: User, unread_only: bool, after_id: int | None, limit: int) -> list[Notification]:
    query = Notification.filter(user_id=user.id)
    if unread_only:
        query = query.filter(read_at__isnull=True)
    if after_id is not None:
        query = query.filter(id__lt=after_id)
    return await query.order_by("-id").limit(limit)


async def unread_count(*, user: User) -> int:
    return await Notification.filter(user_id=user.id, read_at__isnull=True).count()


async def mark_read(*, user: User, ids: list[int]) -> int:
    """Mark the user's own notifications read; ids of other people's are ignored."""
    return await Notification.filter(user_id=user.id, id__in=ids, read_at__isnull=True).update(read_at=now())

"""Delivery channels: one notification sent at most once after success by email (SMTP) or webhook (signed).

A transient fault (server down, 5xx, timeout) is retried with backoff; a refusal (4xx) is recorded as failed.
"""

import hashlib
import hmac
from email.message import EmailMessage

import aiosmtplib
import httpx
import orjson

from src.models.notifications import DeliveryStatus, Notification
from src.settings import Settings


class TransientDeliveryError(Exception):
    """The channel may work later (server down, 5xx, timeout): retry with backoff."""


class PermanentDeliveryError(Exception):
    """The channel refused this message for good (a 4xx): record it as failed."""


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

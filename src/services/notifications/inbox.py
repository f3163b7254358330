"""A user's notifications: made once per event and recipient, listed, counted and marked read."""

from tortoise.exceptions import IntegrityError
from tortoise.timezone import now

from src.models.accounts import User
from src.models.notifications import DeliveryStatus, Notification
from src.models.outbox import OutboxEvent
from src.services import notification_texts as texts
from src.services.notifications.recipients import messages_for
from src.settings import Settings


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
                    **({"refundId": event.payload["refund_id"]} if "refund_id" in event.payload else {}),
                    **({"stallId": event.payload["stall_id"]} if "stall_id" in event.payload else {}),
                },
                email_status=email,
                webhook_status=webhook,
            )
        except IntegrityError:
            notification = await Notification.get(event_id=event.id, user_id=user.id)
        made.append(notification)
    return made


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


async def own_notifications(*, user: User | None, ids: list[int]) -> list[Notification | None]:
    """The user's own notifications by id, in that order (None for others' and the missing). One query."""
    own = {n.id: n for n in await Notification.filter(id__in=ids, user_id=user.id)} if user else {}
    return [own.get(i) for i in ids]

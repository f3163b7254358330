"""In-app notifications: the user's own list, the unread count, marking them read."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.permission import PermissionExtension
from strawberry.scalars import JSON

from src.models.notifications import Notification
from src.schema.context import Info
from src.schema.errors import UserError, payload_mutation
from src.schema.ids import db_ids, decode_id
from src.schema.pagination import after_id, id_page, limit_or_error
from src.schema.permissions import IsAuthenticated, current_user
from src.services import notifications as notifications_service


@strawberry.type(name="Notification")
class NotificationType(relay.Node):
    id: relay.NodeID[int]
    type: str
    title: str
    body: str
    read: bool
    created_at: datetime
    data: JSON

    @classmethod
    def from_model(cls, notification: Notification) -> "NotificationType":
        return cls(
            id=notification.id,
            type=notification.type,
            title=notification.title,
            body=notification.body,
            read=notification.read_at is not None,
            created_at=notification.created_at,
            data=notification.data,  # type: ignore[arg-type]
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        own = await notifications_service.own_notifications(user=await info.context.get_user(), ids=db_ids(node_ids))
        return [cls.from_model(n) if n is not None else None for n in own]


@strawberry.input
class MarkNotificationsReadInput:
    ids: list[relay.GlobalID]


@strawberry.type
class MarkNotificationsReadPayload:
    count: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NotificationsQuery:
    @strawberry.field(
        description="The user's own notifications, newest first.",
        extensions=[PermissionExtension(permissions=[IsAuthenticated()])],
    )
    async def notifications(
        self, info: Info, first: int | None = None, after: str | None = None, unread_only: bool = False
    ) -> relay.Connection[NotificationType]:
        user = await info.context.get_user()
        assert user is not None
        limit = limit_or_error(info, first)
        rows = await notifications_service.list_for(
            user=user, unread_only=unread_only, after_id=after_id(info, after, "Notification"), limit=limit + 1
        )
        return id_page(rows, limit, NotificationType.from_model, "Notification", had_cursor=bool(after))

    @strawberry.field(
        description="How many of the user's notifications are unread.",
        extensions=[PermissionExtension(permissions=[IsAuthenticated()])],
    )
    async def unread_notification_count(self, info: Info) -> int:
        user = await info.context.get_user()
        assert user is not None
        return await notifications_service.unread_count(user=user)


@strawberry.type
class NotificationsMutation:
    @payload_mutation(description="Mark the user's own notifications read (others' ids are ignored).")
    async def mark_notifications_read(
        self, info: Info, input: MarkNotificationsReadInput
    ) -> MarkNotificationsReadPayload:
        user = await current_user(info)
        ids = [decode_id(i, "Notification", field="ids") for i in input.ids]
        return MarkNotificationsReadPayload(count=await notifications_service.mark_read(user=user, ids=ids))

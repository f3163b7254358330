"""Reading notifications for the API: a user's own, by id."""

from src.models.accounts import User
from src.models.notifications import Notification


async def own_notifications(*, user: User | None, ids: list[int]) -> list[Notification | None]:
    """The user's own notifications by id, in that order (None for others' and the missing). One query."""
    own = {n.id: n for n in await Notification.filter(id__in=ids, user_id=user.id)} if user else {}
    return [own.get(i) for i in ids]

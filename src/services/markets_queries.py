"""Reading stalls for the API: a market's approved stalls page by page, and stalls by id as a viewer may see them."""

from tortoise.expressions import Q

from src.models.accounts import User
from src.models.markets import Stall, StallStatus
from src.services.permissions import may_review


async def approved_stalls(*, market_id: int, after_id: int | None, limit: int) -> list[Stall]:
    """A market's approved stalls by stall number, keyset-paginated after a stall (by number, then id)."""
    query = Stall.filter(market_id=market_id, status=StallStatus.APPROVED)
    if after_id is not None:
        previous = await Stall.get_or_none(id=after_id)
        if previous is not None:
            query = query.filter(
                Q(stall_number__gt=previous.stall_number) | Q(stall_number=previous.stall_number, id__gt=previous.id)
            )
    return await query.order_by("stall_number", "id").limit(limit)


async def visible_stalls(*, viewer: User | None, ids: list[int]) -> list[Stall | None]:
    """Stalls by id, in that order: an approved one for anyone, the others for their trader and the market's
    admins; None for the rest and the missing. One query."""
    found = {s.id: s for s in await Stall.filter(id__in=ids)}
    return [
        s if s is not None and (s.status == StallStatus.APPROVED or may_review(viewer, s)) else None
        for s in (found.get(i) for i in ids)
    ]

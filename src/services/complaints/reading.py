"""Who sees which complaint: its buyer, the market's admins (and the trade office), and the trader of the part
it is about; the admins' list of a market's complaints, and each order's complaints for the order's page."""

from src.models.accounts import Role, User
from src.models.complaints import Complaint, ComplaintStatus
from src.services import markets as markets_service
from src.services.permissions import Action, authorize, is_trade_office, may, require_role
from src.storage import Storage


async def complaints_for_market(
    *, actor: User | None, market_id: int | None, status: ComplaintStatus | None, after_id: int | None, limit: int
) -> list[Complaint]:
    """A market's complaints, newest first (market admins: their own market, which an omitted `marketId`
    means; the trade office: any market, or every market when omitted)."""
    admin = require_role(actor, Role.MARKET_ADMIN)
    if market_id is None and not is_trade_office(admin):
        market_id = admin.market_id
    if market_id is not None:
        authorize(admin, Action.ADMINISTER, await markets_service.get_market(market_id))
    query = Complaint.all()
    if market_id is not None:
        query = query.filter(market_id=market_id)
    if status is not None:
        query = query.filter(status=status)
    if after_id is not None:
        query = query.filter(id__lt=after_id)
    return await query.order_by("-id").limit(limit)


def sees(actor: User | None, complaint: Complaint, trader_of_part: int | None) -> bool:
    """The buyer, the market's admins, and the trader of the part the complaint is about."""
    if actor is None:
        return False
    if actor.id == complaint.buyer_id or may(actor, Action.ADMINISTER, complaint):
        return True
    return trader_of_part is not None and trader_of_part == actor.id


async def visible_complaint(actor: User | None, complaint_id: int) -> Complaint | None:
    complaint = await Complaint.get_or_none(id=complaint_id).select_related("stall_order__stall")
    if complaint is None:
        return None
    trader = complaint.stall_order.stall.trader_id if complaint.stall_order is not None else None
    return complaint if sees(actor, complaint, trader) else None


async def complaints_of_orders(order_ids: list[int]) -> dict[int, list[Complaint]]:
    """Each order's complaints, oldest first, in one query (who sees which is the caller's `OrderView`)."""
    grouped: dict[int, list[Complaint]] = {i: [] for i in order_ids}
    for complaint in await Complaint.filter(order_id__in=order_ids or [0]).order_by("id"):
        grouped[complaint.order_id].append(complaint)
    return grouped


def photo_url(complaint: Complaint, storage: Storage) -> str | None:
    """A signed link valid for 15 minutes (the photo is private): asked again, it is signed again."""
    return storage.private_url(complaint.photo_key, expires_in=900) if complaint.photo_key else None

"""Markets and stalls: a trader applies, the market's admin reviews, the trader opens and closes."""

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import partial

from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.markets import Market, Stall, StallStatus
from src.models.outbox import OutboxEvent
from src.services import hours
from src.services.common import outbox
from src.services.common.errors import DomainError, ErrorCode, ErrorCollector
from src.services.common.quantities import check_quantity
from src.services.common.sql import Sql
from src.services.common.text import clean_text
from src.services.permissions import Action, authorize, is_trade_office, may_review, require_role

REASON_MAX = 500
MIN_RADIUS_KM = Decimal("0.5")
MAX_RADIUS_KM = Decimal("50")


class StallDecision(Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    SUSPEND = "SUSPEND"


# The one transition table for stalls: (from, decision) -> to. Anything else is INVALID_STATE.
STALL_TRANSITIONS: dict[tuple[StallStatus, StallDecision], StallStatus] = {
    (StallStatus.PENDING, StallDecision.APPROVE): StallStatus.APPROVED,
    (StallStatus.PENDING, StallDecision.REJECT): StallStatus.REJECTED,
    (StallStatus.APPROVED, StallDecision.SUSPEND): StallStatus.SUSPENDED,
    (StallStatus.SUSPENDED, StallDecision.APPROVE): StallStatus.APPROVED,
}


def sees_trader(viewer: User | None, stall: Stall) -> bool:
    """Who runs a stall (who applied for it) is shown to its trader and the market's admins."""
    return may_review(viewer, stall)


def status_reason_seen(viewer: User | None, stall: Stall) -> str | None:
    """Why a stall was rejected or suspended: for its trader and the market's admins only."""
    return stall.status_reason if may_review(viewer, stall) else None


async def market_or_none(market_id: int) -> Market | None:
    """A market by id, active or not (other domains read markets through these few functions)."""
    return await Market.get_or_none(id=market_id)


async def market_by_id(market_id: int | None) -> Market:
    """A market that must be there (DoesNotExist otherwise)."""
    return await Market.get(id=market_id)


async def lock_market(market_id: int) -> None:
    """Inside a transaction: the market's row lock (FOR NO KEY UPDATE), what serializes its numbering and
    unique transfer codes."""
    await Market.select_for_update(no_key=True).get(id=market_id)


async def market_by_slug(slug: str) -> Market | None:
    return await Market.get_or_none(slug=slug)


async def stall_or_none(*, stall_id: int | None = None, trader_id: int | None = None) -> Stall | None:
    """A stall by id or by its trader."""
    if stall_id is not None:
        return await Stall.get_or_none(id=stall_id)
    return await Stall.get_or_none(trader_id=trader_id)


async def lock_stall(stall_id: int) -> None:
    """Inside a transaction: the stall's row lock (FOR NO KEY UPDATE)."""
    await Stall.select_for_update(no_key=True).get(id=stall_id)


async def get_market(market_id: int, *, field: str = "marketId") -> Market:
    market = await Market.get_or_none(id=market_id, is_active=True)
    if market is None:
        raise DomainError(ErrorCode.NOT_FOUND, field=field)
    return market


async def list_markets(*, search: str | None, after_id: int | None, limit: int) -> list[Market]:
    """Active markets by name, keyset-paginated by id within the name order."""
    query = Market.filter(is_active=True)
    if search and search.strip():
        query = query.filter(Q(name__icontains=search.strip()) | Q(address__icontains=search.strip()))
    if after_id is not None:
        after = await Market.get_or_none(id=after_id)
        if after is not None:
            query = query.filter(Q(name__gt=after.name) | Q(name=after.name, id__gt=after.id))
    return await query.order_by("name", "id").limit(limit)


@dataclass(frozen=True)
class MarketChanges:
    opening_hours: str | None = None
    delivery_radius_km: Decimal | None = None
    base_delivery_fee: int | None = None
    per_km_fee: int | None = None


async def update_market(*, actor: User | None, market_id: int, changes: MarketChanges) -> Market:
    """A market's admin (or the trade office) edits its hours, delivery radius and fees."""
    market = await get_market(market_id, field="id")
    authorize(actor, Action.ADMINISTER, market)
    errors = ErrorCollector()
    if changes.opening_hours is not None:
        hours = " ".join(changes.opening_hours.split())
        if not hours or len(hours) > 120:
            errors.add(DomainError(ErrorCode.INVALID_INPUT, field="openingHours"))
        market.opening_hours = hours
    if changes.delivery_radius_km is not None:
        radius = errors.run(
            partial(
                check_quantity, changes.delivery_radius_km, field="deliveryRadiusKm", places=2, maximum=MAX_RADIUS_KM
            )
        )
        if radius is not None and radius < MIN_RADIUS_KM:
            errors.add(DomainError(ErrorCode.INVALID_INPUT, field="deliveryRadiusKm"))
        elif radius is not None:
            market.delivery_radius_km = radius
    for field, value in (("baseDeliveryFee", changes.base_delivery_fee), ("perKmFee", changes.per_km_fee)):
        if value is not None and not 0 <= value <= 1_000_000:
            errors.add(DomainError(ErrorCode.INVALID_INPUT, field=field, message_key="MUST_NOT_BE_NEGATIVE"))
    errors.raise_if_any()
    if changes.base_delivery_fee is not None:
        market.base_delivery_fee = changes.base_delivery_fee
    if changes.per_km_fee is not None:
        market.per_km_fee = changes.per_km_fee
    await market.save()
    return market


async def apply_for_stall(
    *, actor: User | None, market_id: int, name: str, stall_number: str, description: str | None
) -> Stall:
    """A trader applies for a stall in one market; a rejected trader may apply again."""
    trader = require_role(actor, Role.TRADER)
    errors = ErrorCollector()
    cleaned_name = clean_text(name, field="name", max_length=120, errors=errors)
    number = clean_text(stall_number, field="stallNumber", max_length=20, errors=errors).upper()
    text = (description or "").strip()
    if len(text) > 2000:
        errors.add(DomainError(ErrorCode.INVALID_INPUT, field="description", message_key="TOO_LONG", max_length=2000))
    market = await get_market(market_id)
    errors.raise_if_any()

    existing = await Stall.get_or_none(trader_id=trader.id)
    if existing is not None and existing.status != StallStatus.REJECTED:
        raise DomainError(ErrorCode.ALREADY_EXISTS, message_key="ALREADY_HAS_STALL")
    taken = await Stall.filter(market_id=market.id, stall_number=number).exclude(trader_id=trader.id).exists()
    if taken:
        raise DomainError(ErrorCode.ALREADY_EXISTS, field="stallNumber", message_key="STALL_NUMBER_TAKEN")
    try:
        async with in_transaction():
            if existing is not None:
                existing.update_from_dict(
                    {
                        "market_id": market.id,
                        "name": cleaned_name,
                        "stall_number": number,
                        "description": text,
                        "status": StallStatus.PENDING,
                        "status_reason": None,
                        "reviewed_at": None,
                        "reviewed_by_id": None,
                        "is_open": False,
                        "scheduled_open": None,
                    }
                )
                await existing.save()
                stall = existing
            else:
                stall = await Stall.create(
                    market=market, trader=trader, name=cleaned_name, stall_number=number, description=text
                )
            await _stall_event("stall.applied", stall, market=market, trader=trader)
            return stall
    except IntegrityError as exc:  # a race: this trader applying twice at once, or two traders for one number
        if existing is None and await Stall.exists(trader_id=trader.id):
            raise DomainError(ErrorCode.ALREADY_EXISTS, message_key="ALREADY_HAS_STALL") from exc
        raise DomainError(ErrorCode.ALREADY_EXISTS, field="stallNumber", message_key="STALL_NUMBER_TAKEN") from exc


async def _stall_event(topic: str, stall: Stall, *, market: Market, trader: User, **extra: object) -> None:
    """An application or a decision, for the outbox (in the caller's transaction): the stall as it is now, so a
    late notification tells what was true then."""
    payload = {
        "stall_id": stall.id,
        "market_id": market.id,
        "trader_id": trader.id,
        "stall": stall.name,
        "stall_number": stall.stall_number,
        "market": market.name,
        "trader": trader.name,
        **extra,
    }
    event = await OutboxEvent.create(topic=topic, payload=payload)
    outbox.note(event.id)


async def get_stall(stall_id: int, *, field: str = "stallId") -> Stall:
    stall = await Stall.get_or_none(id=stall_id)
    if stall is None:
        raise DomainError(ErrorCode.NOT_FOUND, field=field)
    return stall


async def review_stall(*, actor: User | None, stall_id: int, decision: StallDecision, reason: str | None) -> Stall:
    """The market's admin approves, rejects or suspends a stall; rejecting and suspending need a reason."""
    stall = await get_stall(stall_id)
    authorize(actor, Action.ADMINISTER, stall)
    assert actor is not None
    cleaned = " ".join((reason or "").split())
    if decision in (StallDecision.REJECT, StallDecision.SUSPEND) and not cleaned:
        raise DomainError(ErrorCode.INVALID_INPUT, field="reason", message_key="REASON_REQUIRED")
    if len(cleaned) > REASON_MAX:
        raise DomainError(ErrorCode.INVALID_INPUT, field="reason", message_key="TOO_LONG", max_length=REASON_MAX)
    async with in_transaction():
        # Re-read under the transaction so two admins deciding at once cannot both apply.
        stall = await Stall.select_for_update().get(id=stall_id)
        target = STALL_TRANSITIONS.get((stall.status, decision))
        if target is None:
            raise DomainError(ErrorCode.INVALID_STATE, field="decision")
        stall.status = target
        stall.status_reason = cleaned or None
        stall.reviewed_by_id = actor.id  # type: ignore[attr-defined]
        stall.reviewed_at = now()
        if target != StallStatus.APPROVED:
            stall.is_open = False  # a suspended stall's products leave the catalog at once
        stall.scheduled_open = None  # an approved stall opens by its hours from now on
        await stall.save()
        if target == StallStatus.APPROVED:
            await hours.apply_hours(at=now(), stall_id=stall.id)
            await stall.refresh_from_db()
        market = await Market.get(id=stall.market_id)
        trader = await User.get(id=stall.trader_id)
        await _stall_event(
            "stall.reviewed", stall, market=market, trader=trader, decision=decision.value, reason=cleaned
        )
    return stall


async def trader_stall(trader: User) -> Stall:
    stall = await Stall.get_or_none(trader_id=trader.id)
    if stall is None:
        raise DomainError(ErrorCode.NOT_FOUND, message_key="NO_STALL")
    return stall


async def set_stall_open(*, actor: User | None, open: bool) -> Stall:
    """The trader opens their stall for orders (only once approved) or closes it."""
    trader = require_role(actor, Role.TRADER)
    stall = await trader_stall(trader)
    authorize(trader, Action.MANAGE, stall)
    if open and stall.status != StallStatus.APPROVED:
        raise DomainError(ErrorCode.INVALID_STATE, field="open", message_key="STALL_NOT_APPROVED")
    stall.is_open = open
    await stall.save(update_fields=["is_open", "updated_at"])
    return stall


async def first_approved_stalls(*, market_ids: list[int], limit: int) -> dict[int, list[Stall]]:
    """A market's approved stalls by stall number (then id), the first page for many markets, in two queries
    (a window per market, then the stalls)."""
    if not market_ids:
        return {}
    connection = get_connection("default")
    sql = Sql(connection.capabilities.dialect)
    markets = ", ".join(sql.param(i) for i in market_ids)
    status, last = sql.param(StallStatus.APPROVED.value), sql.param(limit)
    query = f"""SELECT id FROM (SELECT id, market_id, ROW_NUMBER() OVER (PARTITION BY market_id
        ORDER BY stall_number, id) AS page_row FROM stall WHERE market_id IN ({markets}) AND status = {status}) ranked
        WHERE page_row <= {last} ORDER BY market_id, page_row"""  # noqa: S608 (placeholders only)
    ids = [row["id"] for row in await connection.execute_query_dict(query, sql.params)]
    found = {stall.id: stall for stall in await Stall.filter(id__in=ids)} if ids else {}
    pages: dict[int, list[Stall]] = {i: [] for i in market_ids}
    for stall_id in ids:
        pages[found[stall_id].market_id].append(found[stall_id])
    return pages


async def later_approved_stalls(keys: list[tuple[int, int, int]]) -> dict[tuple[int, int, int], list[Stall]]:
    """The pages after a cursor (a stall: keyset by stall number, then id) for many (market id, after stall id,
    limit) keys, in three queries whatever their number: the cursors' stalls, one statement numbering each
    page's rows, then the stalls. A cursor whose stall is gone starts from the beginning."""
    if not keys:
        return {}
    cursors = {s.id: s for s in await Stall.filter(id__in=sorted({after for _, after, _ in keys}))}
    connection = get_connection("default")
    sql = Sql(connection.capabilities.dialect)
    branches = []
    for page, (market_id, after, limit) in enumerate(keys):
        where = f"market_id = {sql.param(market_id)} AND status = {sql.param(StallStatus.APPROVED.value)}"
        if (previous := cursors.get(after)) is not None:
            number, same = sql.param(previous.stall_number), sql.param(previous.stall_number)
            where += f" AND (stall_number > {number} OR (stall_number = {same} AND id > {sql.param(previous.id)}))"
        branches.append(
            f"""SELECT id, page, page_row FROM (SELECT id, {page} AS page, ROW_NUMBER() OVER (ORDER BY stall_number,
            id) AS page_row FROM stall WHERE {where}) page_{page} WHERE page_row <= {sql.param(limit)}"""  # noqa: S608
        )
    query = " UNION ALL ".join(branches) + " ORDER BY page, page_row"
    rows = await connection.execute_query_dict(query, sql.params)
    ids = [row["id"] for row in rows]
    found = {stall.id: stall for stall in await Stall.filter(id__in=ids)} if ids else {}
    pages: dict[tuple[int, int, int], list[Stall]] = {key: [] for key in keys}
    for row in rows:
        pages[keys[row["page"]]].append(found[row["id"]])
    return pages


async def visible_stalls(*, viewer: User | None, ids: list[int]) -> list[Stall | None]:
    """Stalls by id, in that order: an approved one for anyone, the others for their trader and the market's
    admins; None for the rest and the missing. One query."""
    found = {s.id: s for s in await Stall.filter(id__in=ids)}
    return [
        s if s is not None and (s.status == StallStatus.APPROVED or may_review(viewer, s)) else None
        for s in (found.get(i) for i in ids)
    ]


async def stall_applications(
    *, actor: User | None, market_id: int | None, status: StallStatus, after_id: int | None, limit: int
) -> list[Stall]:
    """The admin's queue: a market's stalls in a status (PENDING: the applications to review), oldest first.
    A market admin sees their own market (the default); the trade office any market, or all of them."""
    if actor is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    if market_id is None and not is_trade_office(actor):
        if actor.role != Role.MARKET_ADMIN:
            raise DomainError(ErrorCode.PERMISSION_DENIED)
        market_id = actor.market_id
    query = Stall.filter(status=status)
    if market_id is not None:
        authorize(actor, Action.ADMINISTER, await get_market(market_id))
        query = query.filter(market_id=market_id)
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    return await query.order_by("id").limit(limit)

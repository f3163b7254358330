"""The ledger: what the market owes each trader and what each courier owes the market, one signed line per cause.

A line's key is unique and names its cause, so each happens once however often the cause is replayed:
- `sale:<stall order id>` and `commission:<stall order id>`: a delivered part, its subtotal as delivered
  (after rejections and weighing) and the market's COMMISSION_PERCENT of it, taken off;
- `cod:<order id>`: the cash a courier took at the door for a COD order;
- `refund:<refund id>`: money given back that a delivered part bears (a complaint), taken off its trader;
- payouts to traders and cash handed over by couriers: `payouts`.
A stall's balance (the sum of its lines) is what the market owes its trader; a courier's, the cash they hold.

Called by orders and delivery with their own rows, in their transactions (under the order's lock): this
module reads no table of theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from tortoise.functions import Sum

from src.models.orders import PaymentMethod, StallOrderStatus
from src.models.payments import LedgerEntry, LedgerKind, Refund

if TYPE_CHECKING:
    from src.models.orders import Order, StallOrder

TRADER_KINDS = (LedgerKind.SALE, LedgerKind.COMMISSION, LedgerKind.REFUND, LedgerKind.PAYOUT)
COURIER_KINDS = (LedgerKind.COD_COLLECTED, LedgerKind.COD_REMITTED)


def commission(subtotal: int, percent: float) -> int:
    """The market's share of a sale: `percent` of it, rounded to the rupiah, halves up (Rp 39.900 at 2,5 % is
    Rp 998)."""
    share = Decimal(subtotal) * Decimal(str(percent)) / 100
    return int(share.to_integral_value(rounding=ROUND_HALF_UP))


async def write(entries: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """The lines stored, those whose key is already there left as they are (a replayed cause adds nothing)."""
    wanted = list(entries)
    if not wanted:
        return []
    # One statement whatever the number; a key that exists is skipped by the database (no error, so the
    # caller's transaction goes on).
    await LedgerEntry.bulk_create(wanted, ignore_conflicts=True)
    return await LedgerEntry.filter(key__in=[e.key for e in wanted]).order_by("id")


def _delivered(parts: Iterable[StallOrder]) -> list[StallOrder]:
    """The parts a delivered order handed over: the ready ones (rejected and cancelled parts went nowhere)."""
    return [p for p in parts if p.status == StallOrderStatus.READY and p.subtotal > 0]


async def record_delivery(
    *,
    order: Order,
    parts: Iterable[StallOrder],
    courier_id: int,
    cod_collected: int | None,
    commission_percent: float,
) -> list[LedgerEntry]:
    """An order was handed over: each delivered part is a SALE for its trader, less the market's COMMISSION,
    and a COD order's cash is what its courier now holds for the market. Call in the delivery's transaction."""
    lines: list[LedgerEntry] = []
    for part in _delivered(parts):
        common = {"market_id": order.market_id, "stall_id": part.stall_id, "order_id": order.id,
                  "order_number": order.number}  # fmt: skip
        lines.append(LedgerEntry(key=f"sale:{part.id}", kind=LedgerKind.SALE, amount=part.subtotal, **common))
        share = commission(part.subtotal, commission_percent)
        if share:
            lines.append(LedgerEntry(key=f"commission:{part.id}", kind=LedgerKind.COMMISSION, amount=-share, **common))
    if order.payment_method == PaymentMethod.COD and cod_collected:
        lines.append(
            LedgerEntry(
                key=f"cod:{order.id}", kind=LedgerKind.COD_COLLECTED, amount=cod_collected, market_id=order.market_id,
                courier_id=courier_id, order_id=order.id, order_number=order.number,
            )
        )  # fmt: skip
    return await write(lines)


async def record_refund(
    *, refund: Refund, part: StallOrder, order_number: str, recorded_by_id: int | None = None
) -> LedgerEntry | None:
    """A refund that a delivered part bears (a complaint about what its trader sent): taken off that trader's
    balance, once per refund. `part` is the refund's stall order (its stall is the one charged)."""
    if refund.amount <= 0 or part.id != refund.stall_order_id:
        raise ValueError("a refund is charged to its own stall order, for a positive amount")
    line = LedgerEntry(
        key=f"refund:{refund.id}", kind=LedgerKind.REFUND, amount=-refund.amount, market_id=refund.market_id,
        stall_id=part.stall_id, order_id=refund.order_id, order_number=order_number, recorded_by_id=recorded_by_id,
        reference=refund.reason.value,
    )  # fmt: skip
    stored = await write([line])
    return stored[0] if stored else None


async def stall_balance(stall_id: int) -> int:
    """What the market owes the stall's trader now (negative: the trader owes the market)."""
    return (await stall_balances([stall_id])).get(stall_id, 0)


async def stall_balances(stall_ids: list[int]) -> dict[int, int]:
    rows = await (
        LedgerEntry.filter(stall_id__in=stall_ids or [0])
        .annotate(total=Sum("amount"))
        .group_by("stall_id")
        .values("stall_id", "total")
    )
    return {int(r["stall_id"]): int(r["total"] or 0) for r in rows}


async def courier_balances(courier_ids: list[int]) -> dict[int, int]:
    """The cash each courier holds for the market now (collected at doors, not yet handed over), in one query."""
    rows = await (
        LedgerEntry.filter(courier_id__in=courier_ids or [0])
        .annotate(total=Sum("amount"))
        .group_by("courier_id")
        .values("courier_id", "total")
    )
    found = {int(r["courier_id"]): int(r["total"] or 0) for r in rows}
    return {c: found.get(c, 0) for c in courier_ids}

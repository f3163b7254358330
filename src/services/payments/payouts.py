"""Money out of the ledger: a payout to a trader (never more than the market owes them) and cash a courier hands
to the market (never more than they hold), each recorded once per reference.

The same reference again, for the same stall or courier and amount, is the same payout or remittance (a request
retried after a lost answer pays nothing more); with another amount it is refused.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.payments import LedgerEntry, LedgerKind
from src.services import markets as markets_service
from src.services.common.errors import DomainError, ErrorCode, ErrorCollector, invalid
from src.services.common.money import Rupiah
from src.services.common.text import clean_text
from src.services.payments.ledger import courier_balances, stall_balance, write
from src.services.permissions import Action, authorize, may

if TYPE_CHECKING:
    pass


def _key(prefix: str, owner_id: int, reference: str) -> str:
    """A key per owner and reference (hashed: a reference is up to 100 characters, a key 64)."""
    digest = hashlib.sha256(reference.casefold().encode()).hexdigest()[:32]
    return f"{prefix}:{owner_id}:{digest}"


def _checked(amount: int, reference: str, *, missing: str) -> str:
    """A positive amount and a reference, both checked at once; the reference cleaned."""
    errors = ErrorCollector()
    if amount <= 0:
        errors.add(invalid("amount", "AMOUNT_POSITIVE"))
    cleaned = clean_text(reference, field="reference", max_length=100, errors=errors, required=False)
    if not cleaned:
        errors.add(invalid("reference", missing))
    errors.raise_if_any()
    return cleaned


async def _recorded(key: str, amount: int) -> LedgerEntry | None:
    """The line already recorded under this key, when it is the same amount (a retry); refused otherwise."""
    existing = await LedgerEntry.get_or_none(key=key)
    if existing is not None and -existing.amount != amount:
        raise DomainError(ErrorCode.ALREADY_EXISTS, field="reference", message_key="REFERENCE_USED")
    return existing


def _above(balance: int) -> DomainError:
    return DomainError(
        ErrorCode.INVALID_INPUT, field="amount", message_key="AMOUNT_ABOVE_BALANCE", balance=Rupiah(max(balance, 0))
    )


async def record_payout(*, actor: User | None, stall_id: int, amount: int, reference: str) -> LedgerEntry:
    """Market admin (or the trade office): money paid to a stall's trader, at most what the market owes them."""
    stall = await markets_service.stall_or_none(stall_id=stall_id)
    if stall is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="stallId")
    authorize(actor, Action.ADMINISTER, stall)
    assert actor is not None
    cleaned = _checked(amount, reference, missing="REFERENCE_REQUIRED")
    key = _key("payout", stall.id, cleaned)
    async with in_transaction():
        # One payout of a stall at a time: the balance read here is the one paid from.
        await markets_service.lock_stall(stall.id)
        if (same := await _recorded(key, amount)) is not None:
            return same
        balance = await stall_balance(stall.id)
        if amount > balance:
            raise _above(balance)
        (entry,) = await write(
            [
                LedgerEntry(key=key, kind=LedgerKind.PAYOUT, amount=-amount, market_id=stall.market_id,
                            stall_id=stall.id, reference=cleaned, recorded_by_id=actor.id)
            ]
        )  # fmt: skip
    return entry


async def _courier(actor: User | None, courier_id: int) -> User:
    courier = await User.get_or_none(id=courier_id, role=Role.COURIER)
    if courier is None or courier.market_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="courierId")
    authorize(actor, Action.ADMINISTER, courier)
    return courier


async def record_cod_remittance(*, actor: User | None, courier_id: int, amount: int, reference: str) -> LedgerEntry:
    """Market admin of the courier's market (or the trade office): cash on delivery the courier handed over, at
    most what they hold."""
    courier = await _courier(actor, courier_id)
    assert actor is not None
    cleaned = _checked(amount, reference, missing="RECEIPT_REQUIRED")
    key = _key("remit", courier.id, cleaned)
    async with in_transaction():
        await User.select_for_update(no_key=True).get(id=courier.id)  # one remittance of a courier at a time
        if (same := await _recorded(key, amount)) is not None:
            return same
        held = (await courier_balances([courier.id]))[courier.id]
        if amount > held:
            raise _above(held)
        (entry,) = await write(
            [
                LedgerEntry(key=key, kind=LedgerKind.COD_REMITTED, amount=-amount, market_id=courier.market_id,
                            courier_id=courier.id, reference=cleaned, recorded_by_id=actor.id)
            ]
        )  # fmt: skip
    return entry


async def record_day_remitted(
    *, actor: User | None, courier: User, amount: int, first_assignment_id: int, day: date
) -> LedgerEntry | None:
    """A day's cash marked handed over (`markCashRemitted`, for the deliveries it marked: the first one's id names
    the line): it leaves the courier's balance, as far as a remittance recorded by amount did not take it off
    already. In delivery's transaction."""
    await User.select_for_update(no_key=True).get(id=courier.id)
    held = (await courier_balances([courier.id]))[courier.id]
    remitted = min(amount, held)
    if remitted <= 0 or courier.market_id is None:
        return None
    stored = await write(
        [
            LedgerEntry(key=f"remit-day:{first_assignment_id}", kind=LedgerKind.COD_REMITTED, amount=-remitted,
                        market_id=courier.market_id, courier_id=courier.id, reference=day.isoformat(),
                        recorded_by_id=actor.id if actor else None)
        ]
    )  # fmt: skip
    return stored[0]


async def visible_payout(actor: User | None, entry_id: int) -> LedgerEntry | None:
    """A payout, for the market's admins and the stall's trader."""
    entry = await LedgerEntry.get_or_none(id=entry_id, kind=LedgerKind.PAYOUT)
    if entry is None or actor is None:
        return None
    if may(actor, Action.ADMINISTER, entry):
        return entry
    stall = await markets_service.stall_or_none(stall_id=entry.stall_id)
    return entry if stall is not None and may(actor, Action.MANAGE, stall) else None


async def visible_remittance(actor: User | None, entry_id: int) -> LedgerEntry | None:
    """A courier's remittance, for the market's admins and the courier."""
    entry = await LedgerEntry.get_or_none(id=entry_id, kind=LedgerKind.COD_REMITTED)
    if entry is None or actor is None:
        return None
    return entry if may(actor, Action.ADMINISTER, entry) or actor.id == entry.courier_id else None

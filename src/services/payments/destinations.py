"""Where an order's money goes: the market's payment settings, or a stall's own where the market allows it.

A market's admin sets the market's static QRIS and bank account, whether its stalls may be paid directly,
and its gateway. A trader sets their stall's own; those wait for the admin's approval, and count only for
orders of that stall alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.payments import Gateway, PaymentSettings, SettingsStatus
from src.services import markets as markets_service
from src.services.common.errors import DomainError, ErrorCode, ErrorCollector, invalid
from src.services.common.text import clean_text
from src.services.payments import qris
from src.services.payments.gateway.setup import configured as gateway_configured
from src.services.permissions import Action, authorize, may, require_role
from src.settings import Settings

if TYPE_CHECKING:
    from src.models.markets import Market


@dataclass(frozen=True)
class SettingsChanges:
    """What to change; None leaves a value as it is, an empty text removes it."""

    qris_payload: str | None = None
    bank_name: str | None = None
    account_number: str | None = None
    account_name: str | None = None
    allow_stall_settings: bool | None = None
    gateway: str | None = None  # "XENDIT" or "NONE"


def market_scope(market_id: int) -> str:
    return f"market:{market_id}"


def stall_scope(stall_id: int) -> str:
    return f"stall:{stall_id}"


async def settings_of_market(market_id: int) -> PaymentSettings | None:
    return await PaymentSettings.get_or_none(scope=market_scope(market_id))


async def settings_of_stall(stall_id: int) -> PaymentSettings | None:
    return await PaymentSettings.get_or_none(scope=stall_scope(stall_id))


def _apply(row: PaymentSettings, changes: SettingsChanges, errors: ErrorCollector) -> None:
    if changes.qris_payload is not None:
        payload = changes.qris_payload.strip()
        if not payload:
            row.qris_payload = None
        elif errors.run(lambda: qris.check(payload)) is not None:
            row.qris_payload = payload
    bank = (changes.bank_name, changes.account_number, changes.account_name)
    if any(v is not None for v in bank):
        if all(not (v or "").strip() for v in bank):
            row.bank_name = row.account_number = row.account_name = None
        elif any(not (v or "").strip() for v in bank):
            errors.add(invalid("bankName", "BANK_ACCOUNT_INCOMPLETE"))
        else:
            row.bank_name = clean_text(changes.bank_name or "", field="bankName", max_length=80, errors=errors)
            number = "".join((changes.account_number or "").replace("-", " ").split())
            if not (number.isdigit() and number.isascii() and 5 <= len(number) <= 20):
                errors.add(invalid("accountNumber", "ACCOUNT_NUMBER"))
            row.account_number = number
            row.account_name = clean_text(
                changes.account_name or "", field="accountName", max_length=120, errors=errors
            )


async def set_market_payment_settings(
    *, actor: User | None, market_id: int, changes: SettingsChanges, settings: Settings
) -> Market:
    """The market's admin (or the trade office) sets where the market's orders are paid."""
    market = await markets_service.market_or_none(market_id)
    if market is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="marketId")
    authorize(actor, Action.ADMINISTER, market)
    async with in_transaction():
        row = await PaymentSettings.select_for_update().get_or_none(scope=market_scope(market.id))
        if row is None:
            row = PaymentSettings(scope=market_scope(market.id), market_id=market.id)
        errors = ErrorCollector()
        _apply(row, changes, errors)
        if changes.allow_stall_settings is not None:
            row.allow_stall_settings = changes.allow_stall_settings
        if changes.gateway is not None:
            if changes.gateway == "NONE":
                row.gateway = None  # type: ignore[assignment]  # a nullable enum field
            elif changes.gateway == Gateway.XENDIT.value and gateway_configured(settings):
                row.gateway = Gateway.XENDIT
            else:
                errors.add(invalid("gateway", "GATEWAY_NOT_CONFIGURED"))
        errors.raise_if_any()
        row.status = SettingsStatus.APPROVED
        await row.save()
    return market


async def set_stall_payment_settings(*, actor: User | None, changes: SettingsChanges) -> PaymentSettings:
    """A trader's own QRIS or account for their stall; it waits for the market admin's approval."""
    trader = require_role(actor, Role.TRADER)
    stall = await markets_service.stall_or_none(trader_id=trader.id)
    if stall is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="stall")
    market_row = await settings_of_market(stall.market_id)
    if market_row is None or not market_row.allow_stall_settings:
        raise DomainError(ErrorCode.INVALID_STATE, message_key="STALL_SETTINGS_NOT_ALLOWED")
    async with in_transaction():
        row = await PaymentSettings.select_for_update().get_or_none(scope=stall_scope(stall.id))
        if row is None:
            row = PaymentSettings(scope=stall_scope(stall.id), market_id=stall.market_id, stall_id=stall.id)
        errors = ErrorCollector()
        _apply(row, changes, errors)
        errors.raise_if_any()
        row.status = SettingsStatus.PENDING
        row.review_reason = None
        await row.save()
    return row


async def review_stall_payment_settings(
    *, actor: User | None, stall_id: int, approve: bool, reason: str | None
) -> PaymentSettings:
    """The market's admin approves a stall's own payment settings, or rejects them with a reason."""
    row = await settings_of_stall(stall_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="stallId")
    authorize(actor, Action.ADMINISTER, row)
    errors = ErrorCollector()
    cleaned = clean_text(reason or "", field="reason", max_length=500, errors=errors, required=False)
    if not approve and not cleaned:
        errors.add(invalid("reason", "REASON_REQUIRED"))
    errors.raise_if_any()
    row.status = SettingsStatus.APPROVED if approve else SettingsStatus.REJECTED
    row.review_reason = cleaned or None
    await row.save()
    return row


async def destination_for(market_id: int, stall_ids: set[int]) -> PaymentSettings | None:
    """The settings an order of these stalls is paid to: one stall's own (approved, and allowed by the
    market) when the order is of that stall alone, otherwise the market's."""
    market_row = await settings_of_market(market_id)
    if len(stall_ids) == 1 and market_row is not None and market_row.allow_stall_settings:
        own = await settings_of_stall(next(iter(stall_ids)))
        if own is not None and own.status == SettingsStatus.APPROVED:
            return own
    return market_row


async def settings_seen_by(viewer: User | None, scopes: list[str]) -> dict[str, PaymentSettings]:
    """The settings of these scopes that the viewer may see: a market's to its admins, a stall's to its
    trader and the market's admins."""
    rows = await PaymentSettings.filter(scope__in=scopes).select_related("stall")
    seen: dict[str, PaymentSettings] = {}
    for row in rows:
        if may(viewer, Action.ADMINISTER, row) or (row.stall is not None and may(viewer, Action.MANAGE, row.stall)):
            seen[row.scope] = row
    return seen

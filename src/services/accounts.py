"""Accounts: registration, login, sessions, staff accounts and deactivation."""

import re
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.timezone import now

from src.models.accounts import BuyerType, Role, User
from src.services import markets as markets_service
from src.services import passwords, tokens
from src.services.common import live, outbox
from src.services.common.errors import DomainError, ErrorCode, ErrorCollector
from src.services.common.i18n import LANGUAGES
from src.services.common.phones import normalize_phone
from src.services.common.text import clean_text
from src.services.common.throttle import LoginThrottle
from src.services.permissions import Action, authorize, is_trade_office, require_role
from src.settings import Settings

NAME_MAX = 120
BUSINESS_NAME_MAX = 160
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

SELF_SERVICE_ROLES = (Role.BUYER, Role.TRADER)
STAFF_ROLES = (Role.COURIER, Role.MARKET_ADMIN)


def has_stall(role: Role) -> bool:
    """Only traders have a stall (shown whatever its status); other roles' `stall` is null."""
    return role == Role.TRADER


def has_courier_profile(role: Role) -> bool:
    return role == Role.COURIER


@dataclass(frozen=True)
class Session:
    user: User
    tokens: tokens.TokenPair


def _clean_email(value: str | None, errors: ErrorCollector) -> str | None:
    if value is None or not value.strip():
        return None
    cleaned = value.strip().lower()
    if len(cleaned) > 254 or not _EMAIL.match(cleaned):
        errors.add(DomainError(ErrorCode.INVALID_INPUT, field="email"))
    return cleaned


def _validate_identity(
    *, phone: str, password: str, name: str, email: str | None, errors: ErrorCollector
) -> tuple[str | None, str, str | None]:
    normalized = errors.run(lambda: normalize_phone(phone))
    errors.run(lambda: passwords.validate_new_password(password, phone=normalized))
    cleaned_name = clean_text(name, field="name", max_length=NAME_MAX, errors=errors)
    cleaned_email = _clean_email(email, errors)
    return normalized, cleaned_name, cleaned_email


async def _check_phone_free(phone: str | None, errors: ErrorCollector) -> None:
    if phone and await User.exists(phone=phone):
        errors.add(DomainError(ErrorCode.PHONE_TAKEN, field="phone"))


async def _create_user(**fields: Any) -> User:
    try:
        return await User.create(**fields)
    except IntegrityError as exc:  # two registrations racing for one phone
        raise DomainError(ErrorCode.PHONE_TAKEN, field="phone") from exc


async def register(
    *,
    phone: str,
    password: str,
    name: str,
    role: Role,
    email: str | None,
    buyer_type: BuyerType | None,
    business_name: str | None,
    settings: Settings,
    client_address: str | None = None,
    language: str = "id",
) -> Session:
    """A buyer or trader signs themselves up and is logged in; messages reach them in `language`."""
    errors = ErrorCollector()
    if role not in SELF_SERVICE_ROLES:
        errors.add(DomainError(ErrorCode.PERMISSION_DENIED, field="role"))
    normalized, cleaned_name, cleaned_email = _validate_identity(
        phone=phone, password=password, name=name, email=email, errors=errors
    )
    business = " ".join((business_name or "").split()) or None
    if role == Role.BUYER:
        buyer_type = buyer_type or BuyerType.HOUSEHOLD
        if buyer_type == BuyerType.BUSINESS and not business:
            errors.add(DomainError(ErrorCode.INVALID_INPUT, field="businessName", message_key="BUSINESS_NAME_REQUIRED"))
        if business and len(business) > BUSINESS_NAME_MAX:
            errors.add(
                DomainError(
                    ErrorCode.INVALID_INPUT, field="businessName", message_key="TOO_LONG", max_length=BUSINESS_NAME_MAX
                )
            )
    else:
        buyer_type, business = None, None
    await _check_phone_free(normalized, errors)
    errors.raise_if_any()

    user = await _create_user(
        phone=normalized,
        name=cleaned_name,
        email=cleaned_email,
        role=role,
        buyer_type=buyer_type,
        business_name=business,
        password_hash=await passwords.hash_password(password),
        language=language if language in LANGUAGES else "id",
    )
    return Session(user=user, tokens=await tokens.issue_tokens(user, settings, client_address=client_address))


async def login(
    *, phone: str, password: str, settings: Settings, throttle: LoginThrottle, client_address: str
) -> Session:
    """Log in by phone and password. Unknown phone, wrong password and inactive user look the same."""
    normalized = normalize_phone(phone)
    await throttle.check(phone=normalized, address=client_address)
    user = await User.get_or_none(phone=normalized)
    matches, new_hash = await passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not matches or not user.is_active:
        await throttle.record_failure(phone=normalized, address=client_address)
        raise DomainError(ErrorCode.INVALID_CREDENTIALS)
    await throttle.reset_phone(phone=normalized)
    updates: dict[str, object] = {"last_login_at": now()}
    if new_hash:  # parameters changed since this hash was made
        updates["password_hash"] = new_hash
    await User.filter(id=user.id).update(**updates)
    return Session(user=user, tokens=await tokens.issue_tokens(user, settings, client_address=client_address))


async def refresh(*, refresh_token: str, settings: Settings, client_address: str | None = None) -> tokens.TokenPair:
    return await tokens.rotate_refresh_token(refresh_token, settings, client_address=client_address)


async def logout(*, refresh_token: str) -> None:
    if not await tokens.revoke_refresh_token(refresh_token):
        raise DomainError(ErrorCode.INVALID_TOKEN, field="refreshToken")


async def user_for_access_token(token: str, settings: Settings) -> User:
    """The active user an access token was issued to; a deactivated user's tokens stop at once."""
    claims = tokens.decode_access_token(token, settings)
    user = await User.get_or_none(id=claims.user_id)
    if user is None or not user.is_active:
        raise DomainError(ErrorCode.INVALID_TOKEN)
    if user.sessions_revoked_at is not None and claims.issued_at <= user.sessions_revoked_at:
        raise DomainError(ErrorCode.INVALID_TOKEN)
    return user


async def create_staff_user(
    *, actor: User | None, phone: str, password: str, name: str, role: Role, market_id: int | None
) -> User:
    """A market admin adds couriers and admins to their own market; the trade office to any market."""
    require_role(actor, Role.MARKET_ADMIN)
    errors = ErrorCollector()
    if role not in STAFF_ROLES:
        errors.add(DomainError(ErrorCode.INVALID_INPUT, field="role"))
    market = None
    if market_id is not None:
        market = await markets_service.get_market(market_id)
        authorize(actor, Action.ADMINISTER, market)
    elif role == Role.COURIER or not is_trade_office(actor):
        # Only the trade office may create another trade-office admin (one with no market).
        errors.add(DomainError(ErrorCode.INVALID_INPUT, field="marketId", message_key="MARKET_REQUIRED"))
    normalized, cleaned_name, _ = _validate_identity(
        phone=phone, password=password, name=name, email=None, errors=errors
    )
    await _check_phone_free(normalized, errors)
    errors.raise_if_any()
    return await _create_user(
        phone=normalized,
        name=cleaned_name,
        role=role,
        market=market,
        password_hash=await passwords.hash_password(password),
    )


async def set_user_active(*, actor: User | None, user_id: int, active: bool) -> User:
    """Deactivate (or reactivate) an account: staff of the actor's market, or anyone for the trade office."""
    require_role(actor, Role.MARKET_ADMIN)
    target = await User.get_or_none(id=user_id)
    if target is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="userId")
    assert actor is not None
    if target.id == actor.id:
        raise DomainError(ErrorCode.INVALID_STATE, field="userId")
    if not is_trade_office(actor):
        # A market admin governs their own market's staff; buyers and traders belong to the trade office.
        if target.role not in STAFF_ROLES:
            raise DomainError(ErrorCode.PERMISSION_DENIED)
        authorize(actor, Action.ADMINISTER, target)
    target.is_active = active
    if not active:
        # Existing access tokens must not come back to life if the account is reactivated later.
        target.sessions_revoked_at = now()
    await target.save(update_fields=["is_active", "sessions_revoked_at", "updated_at"])
    if not active:
        await tokens.revoke_all_for_user(target.id)
        outbox.touch(live.user_channel(target.id))  # their open subscriptions check again and close
    return target


async def create_admin(*, phone: str, password: str, name: str, market_slug: str | None = None) -> User:
    """The first admin, from the command line: the trade office, or one market's admin."""
    errors = ErrorCollector()
    normalized, cleaned_name, _ = _validate_identity(
        phone=phone, password=password, name=name, email=None, errors=errors
    )
    market = None
    if market_slug:
        market = await markets_service.market_by_slug(market_slug)
        if market is None:
            errors.add(DomainError(ErrorCode.NOT_FOUND, field="market"))
    await _check_phone_free(normalized, errors)
    errors.raise_if_any()
    return await _create_user(
        phone=normalized,
        name=cleaned_name,
        role=Role.MARKET_ADMIN,
        market=market,
        password_hash=await passwords.hash_password(password),
    )

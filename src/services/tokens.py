"""Access tokens (short-lived JWTs) and refresh tokens (opaque, stored hashed, rotated on every use)."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import RefreshToken, User
from src.services.common.errors import DomainError, ErrorCode
from src.settings import Settings

ALGORITHM = "HS256"  # fixed: the algorithm named in a token's header is never trusted
ACCESS_TOKEN_TYPE = "access"
LEEWAY_SECONDS = 5  # clock skew between API processes: a token works this long past its `exp`


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    issued_at: datetime
    expires_at: datetime | None = None  # `exp`; refused from LEEWAY_SECONDS after it


def create_access_token(user: User, settings: Settings) -> str:
    issued = now()
    claims = {
        "sub": str(user.id),
        "role": user.role.value,
        "typ": ACCESS_TOKEN_TYPE,
        "iat": issued,
        # iat has whole seconds; this keeps the microseconds for comparing with sessions_revoked_at.
        "its": issued.timestamp(),
        "exp": issued + timedelta(minutes=settings.access_token_minutes),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def decode_access_token(token: str, settings: Settings) -> AccessClaims:
    """The claims of a valid access token; expired, tampered, `alg: none` or foreign tokens raise INVALID_TOKEN."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub", "typ"]},
            leeway=LEEWAY_SECONDS,
        )
        if claims["typ"] != ACCESS_TOKEN_TYPE:
            raise jwt.InvalidTokenError("not an access token")
        issued = float(claims.get("its", claims["iat"]))
        return AccessClaims(
            user_id=int(claims["sub"]),
            issued_at=datetime.fromtimestamp(issued, tz=UTC),
            expires_at=datetime.fromtimestamp(float(claims["exp"]), tz=UTC),
        )
    except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
        raise DomainError(ErrorCode.INVALID_TOKEN) from exc


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _issue_refresh_token(user: User, settings: Settings, *, family: uuid.UUID, client_address: str | None) -> str:
    token = secrets.token_urlsafe(32)
    await RefreshToken.create(
        user=user,
        family=family,
        token_hash=_hash(token),
        expires_at=now() + timedelta(days=settings.refresh_token_days),
        client_address=client_address,
    )
    return token


async def issue_tokens(user: User, settings: Settings, *, client_address: str | None = None) -> TokenPair:
    """A new login: an access token and the first refresh token of a new family."""
    refresh = await _issue_refresh_token(user, settings, family=uuid.uuid4(), client_address=client_address)
    return TokenPair(access_token=create_access_token(user, settings), refresh_token=refresh)


async def rotate_refresh_token(token: str, settings: Settings, *, client_address: str | None = None) -> TokenPair:
    """Trade a refresh token for a new pair. A token used twice revokes its whole family."""
    stored = await RefreshToken.get_or_none(token_hash=_hash(token or "")).select_related("user")
    if stored is None or stored.revoked_at is not None or stored.expires_at <= now():
        raise DomainError(ErrorCode.INVALID_TOKEN, field="refreshToken")
    if not stored.user.is_active:
        raise DomainError(ErrorCode.INVALID_TOKEN, field="refreshToken")
    async with in_transaction():
        # Conditional update: of two requests racing with one token, exactly one wins.
        claimed = await RefreshToken.filter(id=stored.id, used_at__isnull=True, revoked_at__isnull=True).update(
            used_at=now()
        )
        if claimed:
            refresh = await _issue_refresh_token(
                stored.user, settings, family=stored.family, client_address=client_address
            )
    if not claimed:
        await revoke_family(stored.family)
        raise DomainError(ErrorCode.INVALID_TOKEN, field="refreshToken")
    return TokenPair(access_token=create_access_token(stored.user, settings), refresh_token=refresh)


async def revoke_family(family: uuid.UUID) -> None:
    await RefreshToken.filter(family=family, revoked_at__isnull=True).update(revoked_at=now())


async def revoke_refresh_token(token: str) -> bool:
    """Log out the session a refresh token belongs to. False when the token is unknown."""
    stored = await RefreshToken.get_or_none(token_hash=_hash(token or ""))
    if stored is None:
        return False
    await revoke_family(stored.family)
    return True


async def revoke_all_for_user(user_id: int) -> None:
    await RefreshToken.filter(user_id=user_id, revoked_at__isnull=True).update(revoked_at=now())


def access_token_refused_from(token: str, settings: Settings) -> datetime:
    """The moment decode_access_token starts refusing this valid token (its expiry plus the leeway): an open
    subscription is ended then, as a request with it would be refused."""
    claims = decode_access_token(token, settings)
    assert claims.expires_at is not None
    return claims.expires_at + timedelta(seconds=LEEWAY_SECONDS)


async def is_deactivated_users_token(token: str, settings: Settings) -> bool:
    """Whether a token that is no longer accepted (see accounts.user_for_access_token) was refused because
    its account is deactivated (forbidden), rather than being expired or revoked itself (sign in again)."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[ALGORITHM],
            options={"require": ["sub", "typ"], "verify_exp": False},
        )
        if claims["typ"] != ACCESS_TOKEN_TYPE:
            return False
        user_id = int(claims["sub"])
    except (jwt.InvalidTokenError, ValueError, TypeError):
        return False  # not even a token of ours: nobody to call deactivated
    return await User.filter(id=user_id, is_active=False).exists()

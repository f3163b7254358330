"""Password hashing (argon2id through argon2-cffi) and the rules a new password must meet."""

import asyncio
import functools
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from src.services.common.errors import DomainError, ErrorCode

MIN_LENGTH = 8
# argon2 hashes whatever it is given; a cap keeps a megabyte "password" from costing CPU.
MAX_LENGTH = 128

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the phone is unknown, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-for-timing")


@functools.cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = (line.strip().lower() for line in path.read_text().splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def validate_new_password(password: str, *, phone: str | None = None, field: str = "password") -> None:
    """Refuse short, very long, common or guessable passwords."""
    if len(password) < MIN_LENGTH:
        raise DomainError(ErrorCode.WEAK_PASSWORD, field=field, min_length=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise DomainError(ErrorCode.INVALID_INPUT, field=field, message_key="TOO_LONG", max_length=MAX_LENGTH)
    lowered = password.lower()
    digits = "".join(ch for ch in password if ch.isdigit())
    guessable = (
        lowered in _common_passwords()
        or len(set(lowered)) <= 2
        or (phone is not None and len(digits) >= 8 and digits in phone.replace("+62", "0") + phone)
    )
    if guessable:
        raise DomainError(ErrorCode.WEAK_PASSWORD, field=field, message_key="COMMON_PASSWORD")


async def hash_password(password: str) -> str:
    """argon2id hash, computed off the event loop (it takes tens of milliseconds on purpose)."""
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, new hash if the stored one uses old parameters). An unknown user costs the same time."""
    if len(password) > MAX_LENGTH:
        return False, None

    def _verify() -> tuple[bool, str | None]:
        try:
            _hasher.verify(password_hash or _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False, None
        if not password_hash:  # no user (or no usable hash): the dummy only spent the same time
            return False, None
        if _hasher.check_needs_rehash(password_hash):
            return True, _hasher.hash(password)
        return True, None

    return await asyncio.to_thread(_verify)

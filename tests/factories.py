"""Factories for test data: users of each role, markets, and tokens for them."""

import functools
import itertools
from decimal import Decimal
from typing import Any

from argon2 import PasswordHasher

from src.models.accounts import BuyerType, Role, User
from src.models.markets import Market
from src.services import tokens
from src.settings import Settings

PASSWORD = "kopi-tubruk-malang"
_phones = itertools.count(10_000_001)
_markets = itertools.count(1)


@functools.cache
def _password_hash() -> str:
    return PasswordHasher().hash(PASSWORD)


def next_phone() -> str:
    return f"+62812{next(_phones):08d}"


async def make_market(**overrides: Any) -> Market:
    n = next(_markets)
    fields: dict[str, Any] = {
        "name": f"Pasar Uji {n}",
        "slug": f"pasar-uji-{n}",
        "address": f"Jl. Uji No. {n}, Malang",
        "latitude": Decimal("-7.986200"),
        "longitude": Decimal("112.630000"),
        "opening_hours": "Setiap hari 04:00-14:00",
    }
    fields.update(overrides)
    return await Market.create(**fields)


async def make_user(role: Role = Role.BUYER, *, market: Market | None = None, **overrides: Any) -> User:
    fields: dict[str, Any] = {
        "phone": next_phone(),
        "name": f"Pengguna {role.value.title()}",
        "role": role,
        "market": market,
        "password_hash": _password_hash(),
        "buyer_type": BuyerType.HOUSEHOLD if role == Role.BUYER else None,
    }
    fields.update(overrides)
    return await User.create(**fields)


def token_for(user: User, settings: Settings) -> str:
    return tokens.create_access_token(user, settings)

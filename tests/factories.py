"""Factories for test data: users of each role, markets, and tokens for them."""

import functools
import itertools
from decimal import Decimal
from typing import Any

from argon2 import PasswordHasher

from src.models.accounts import BuyerType, Role, User
from src.models.catalog import Category, PriceTier, Product, Unit
from src.models.markets import Market, Stall, StallStatus
from src.models.payments import PaymentSettings
from src.services import search, tokens
from src.settings import Settings
from tests.support.qris import static_qris

PASSWORD = "kopi-tubruk-malang"
_phones = itertools.count(10_000_001)
_markets = itertools.count(1)


@functools.cache
def _password_hash() -> str:
    return PasswordHasher().hash(PASSWORD)


def next_phone() -> str:
    return f"+62812{next(_phones):08d}"


async def make_market(*, payment_settings: bool = True, **overrides: Any) -> Market:
    """A market; with its payment settings (a static QRIS and a bank account) unless told otherwise."""
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
    market = await Market.create(**fields)
    if payment_settings:
        await PaymentSettings.create(
            scope=f"market:{market.id}",
            market=market,
            qris_payload=static_qris(f"PASAR UJI {n}"[:25]),
            bank_name="Bank Jatim",
            account_number=f"00112{n:05d}",
            account_name=f"UPT Pasar Uji {n}",
        )
    return market


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


_counter = itertools.count(1)


async def make_category(**overrides: Any) -> Category:
    n = next(_counter)
    fields: dict[str, Any] = {"name": f"Kategori {n}", "slug": f"kategori-{n}", "sort_order": n}
    fields.update(overrides)
    return await Category.create(**fields)


async def make_stall(
    *,
    trader: User | None = None,
    market: Market | None = None,
    status: StallStatus = StallStatus.APPROVED,
    is_open: bool = True,
    **overrides: Any,
) -> Stall:
    n = next(_counter)
    fields: dict[str, Any] = {
        "market": market or await make_market(),
        "trader": trader or await make_user(Role.TRADER),
        "name": f"Lapak {n}",
        "stall_number": f"A-{n:03d}",
        "status": status,
        "is_open": is_open,
    }
    fields.update(overrides)
    return await Stall.create(**fields)


async def make_product(
    stall: Stall, *, category: Category | None = None, tiers: tuple[tuple[str, int], ...] = (), **overrides: Any
) -> Product:
    category = category or await make_category()
    fields: dict[str, Any] = {
        "stall": stall,
        "category": category,
        "name": f"Produk {next(_counter)}",
        "unit": Unit.KG,
        "price": 10_000,
        "stock": Decimal("50"),
        "min_quantity": Decimal("0.5"),
        "quantity_step": Decimal("0.25"),
    }
    fields.update(overrides)
    fields["search_text"] = search.index_text(fields["name"], category.name)
    product = await Product.create(**fields)
    for quantity, price in tiers:
        await PriceTier.create(product=product, min_quantity=Decimal(quantity), price=price)
    return product

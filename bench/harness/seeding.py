"""Seed data that looks like a Malang market: the catalog, traders' stalls, products, users with tokens, orders."""

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from strawberry import relay

from bench.harness.database import SECRET_KEY, analyse, rows
from src.models.accounts import BuyerType, Role, User
from src.models.catalog import Category, PriceTier, Product, Unit
from src.models.markets import Market, Stall, StallStatus
from src.models.media import PhotoStatus, ProductPhoto
from src.models.orders import PaymentMethod, SlotWindow
from src.services import orders as orders_service
from src.services import passwords, search
from src.services.tokens import create_access_token
from src.settings import Settings

WIB = ZoneInfo("Asia/Jakarta")
NO_LOGIN = "bench-not-a-real-argon2-hash"  # nobody logs in: tokens are signed directly
MARKETS = 10
TRADERS_PER_MARKET = 20


@dataclass(frozen=True)
class Item:
    name: str
    category: str
    unit: str
    price: int
    weighed: bool
    minimum: str
    step: str


# What Malang's markets sell, one row per item: name, category slug (src.services.seed.CATEGORIES), unit
# (src.models.catalog.Unit), typical rupiah per unit, weighed, minimum quantity, quantity step.
with (Path(__file__).parent / "market_items.csv").open(newline="") as _items:
    ITEMS = [Item(r["name"], r["category"], r["unit"], int(r["price"]), r["weighed"] == "yes", r["minimum"], r["step"])
             for r in csv.DictReader(_items)]  # fmt: skip
QUALIFIERS = ["", "segar", "super", "lokal", "pilihan", "grade A", "organik", "kampung", "Batu", "Poncokusumo", "Pujon"]
HONORIFICS = ["Pak", "Bu", "Cak", "Mbak", "Mas", "Ning"]
FIRST_NAMES = ["Slamet", "Sri", "Wahyu", "Lilik", "Hadi", "Yuli", "Agus", "Siti", "Budi", "Rina", "Joko", "Endang"]
STALL_KINDS = ["Sayur Segar", "Toko Sembako", "Ikan Segar", "Buah", "Daging", "Bumbu Dapur", "Jajan Pasar", "Kelontong"]
PHOTO_SIZES = {"THUMB": 200, "SMALL": 600, "MEDIUM": 1200, "LARGE": 1200}
TIER_STEPS = [("5", 0.95), ("10", 0.92), ("25", 0.88)]
RESET_SEQUENCES_SQL = """
SELECT setval(pg_get_serial_sequence('user_account', 'id'), (SELECT MAX(id) FROM user_account)),
       setval(pg_get_serial_sequence('stall', 'id'), (SELECT MAX(id) FROM stall)),
       setval(pg_get_serial_sequence('product', 'id'), (SELECT MAX(id) FROM product)),
       setval(pg_get_serial_sequence('product_photo', 'id'), (SELECT MAX(id) FROM product_photo))
"""


@dataclass
class Seeded:
    """What the catalog seed wrote, for the report and the driver."""

    market_ids: list[int]
    stalls: int = 0
    products: int = 0
    tiers: int = 0
    photos: int = 0


def _stall_index(product_index: int, markets: int) -> int:
    """Round-robin over the markets, then over each market's stalls: every market gets the same share."""
    market, turn = product_index % markets, product_index // markets
    return market * TRADERS_PER_MARKET + turn % TRADERS_PER_MARKET


def _rupiah(value: float) -> int:
    return max(100, round(value / 100) * 100)


async def seed_catalog(product_count: int, rng: random.Random | None = None) -> Seeded:
    """Traders, approved open stalls, products, price tiers and photos, inserted with bulk_create."""
    rng = rng or random.Random(2026)
    markets = await Market.all().order_by("id").limit(MARKETS)
    categories = {c.slug: c for c in await Category.all()}
    password_hash = await passwords.hash_password("bench-password-2026")  # one argon2 hash for every trader
    seeded = Seeded(market_ids=[m.id for m in markets])

    users: list[User] = []
    stalls: list[Stall] = []
    for market_index, market in enumerate(markets):
        for t in range(TRADERS_PER_MARKET):
            pk, honorific, first = len(users) + 1, rng.choice(HONORIFICS), rng.choice(FIRST_NAMES)
            users.append(User(id=pk, phone=f"+62813{market_index:02d}{t:06d}", name=f"{honorific} {first}",
                              role=Role.TRADER, password_hash=password_hash))  # fmt: skip
            stalls.append(Stall(id=pk, market_id=market.id, trader_id=pk, name=f"{rng.choice(STALL_KINDS)} {honorific} "
                                f"{first}", stall_number=f"{'ABCDE'[t % 5]}-{t + 1:02d}", status=StallStatus.APPROVED,
                                is_open=True))  # fmt: skip
    await User.bulk_create(users, batch_size=500)
    await Stall.bulk_create(stalls, batch_size=500)
    products: list[Product] = []
    tiers: list[PriceTier] = []
    photos: list[ProductPhoto] = []
    for index in range(product_count):
        pk, item = index + 1, rng.choice(ITEMS)
        name, category = f"{item.name} {rng.choice(QUALIFIERS)}".strip(), categories[item.category]
        price = _rupiah(item.price * rng.uniform(0.85, 1.2))
        stock = Decimal(f"{rng.uniform(0, 80):.3f}") if item.weighed else Decimal(rng.randint(0, 200))
        products.append(Product(id=pk, stall_id=stalls[_stall_index(index, len(markets))].id, category_id=category.id,
                                name=name, description=f"{name}, langsung dari lapak.", unit=item.unit, price=price,
                                min_quantity=Decimal(item.minimum), quantity_step=Decimal(item.step), stock=stock,
                                is_weighed=item.weighed,
                                search_text=search.index_text(name, category.name)))  # fmt: skip
        if rng.random() < 0.4:
            for quantity, factor in sorted(rng.sample(TIER_STEPS, rng.randint(1, 2)), key=lambda s: int(s[0])):
                tiers.append(PriceTier(product_id=pk, min_quantity=Decimal(quantity), price=_rupiah(price * factor)))
        if index % 2 == 0:
            photo = len(photos) + 1
            variants = {f"{size}.{fmt}": f"photos/products/{pk}/{photo}/{size.lower()}.{fmt.lower()}"
                        for size in PHOTO_SIZES for fmt in ("WEBP", "JPEG")}  # fmt: skip
            photos.append(ProductPhoto(id=photo, product_id=pk, status=PhotoStatus.READY, content_type="image/jpeg",
                                       byte_size=rng.randint(800_000, 4_000_000), variants=variants, width=1200,
                                       height=900, original_key=f"originals/products/{pk}/{photo}"))  # fmt: skip
    await Product.bulk_create(products, batch_size=1000)
    await PriceTier.bulk_create(tiers, batch_size=1000)
    await ProductPhoto.bulk_create(photos, batch_size=1000)
    seeded.stalls, seeded.products, seeded.tiers, seeded.photos = len(stalls), len(products), len(tiers), len(photos)
    # Explicit primary keys leave the sequences behind; move them on so the database stays usable.
    await rows(RESET_SEQUENCES_SQL)
    await analyse()
    return seeded


@dataclass
class Person:
    """A seeded user with an access token (signed with the servers' SECRET_KEY), and the row itself."""

    id: int
    phone: str
    token: str
    user: User


async def users(
    count: int, *, role: Role = Role.BUYER, phone: str = "+628127", name: str = "Pembeli", tokens: bool = True,
    each: Any = None, **fields: Any,
) -> list[Person]:  # fmt: skip
    """`count` users (buyers unless `role` says), phones `<phone>0000000`…, `each(n)` adding fields per user."""
    if role is Role.BUYER:
        fields.setdefault("buyer_type", BuyerType.HOUSEHOLD)
    made = [
        User(phone=f"{phone}{n:07d}", name=f"{name} {n + 1}", role=role, password_hash=NO_LOGIN,
             **fields, **(each(n) if each else {}))
        for n in range(count)
    ]  # fmt: skip
    await User.bulk_create(made, batch_size=500)
    saved = await User.filter(phone__in=[u.phone for u in made]).order_by("id")
    # Only the key and the lifetime matter here: the tokens must outlive seeding, the runs and the checks.
    settings = Settings(secret_key=SecretStr(SECRET_KEY), access_token_minutes=24 * 60)
    return [Person(u.id, u.phone, create_access_token(u, settings) if tokens else "", u) for u in saved]


async def stall(market: Market, n: int, name: str, *, phone: str = "+628129", trader: str = "", **fields: Any) -> Stall:
    """A trader (`fields` on the user) with an approved, open stall."""
    owner = await User.create(phone=f"{phone}{n:07d}", name=trader or f"Pedagang {n + 1}", role=Role.TRADER,
                              password_hash=NO_LOGIN, **fields)  # fmt: skip
    return await Stall.create(market=market, trader=owner, name=name, stall_number=f"{'ABC'[n % 3]}-{n + 1:02d}",
                              status=StallStatus.APPROVED, is_open=True)  # fmt: skip


async def product(
    stall: Stall, category: Category, name: str, *, price: int, stock: Decimal | int, **fields: Any
) -> int:
    """A product sold by the piece (minimum 1, step 1) unless `fields` say otherwise; its id."""
    values: dict[str, Any] = {"unit": Unit.PCS, "min_quantity": Decimal(1), "quantity_step": Decimal(1),
                              "is_weighed": False, "description": "Langsung dari lapak."} | fields  # fmt: skip
    made = await Product.create(stall=stall, category=category, name=name, price=price, stock=Decimal(stock),
                                search_text=search.index_text(name, category.name), **values)  # fmt: skip
    return int(made.id)


def tomorrow_wib() -> date:
    return (datetime.now(WIB) + timedelta(days=1)).date()


def order_input(
    items: list[tuple[int, str]], *, phone: str, lat: float, lng: float, key: str, line: str
) -> dict[str, Any]:
    """placeOrder's input: (product pk, quantity) items, COD, tomorrow AFTERNOON (WIB)."""
    return {
        "items": [{"productId": relay.to_base64("Product", pk), "quantity": quantity} for pk, quantity in items],
        "address": {"line": line, "area": "Klojen", "recipientName": "Bu Sri", "recipientPhone": phone,
                    "location": {"lat": lat, "lng": lng}},
        "deliverySlot": {"date": tomorrow_wib().isoformat(), "window": "AFTERNOON"},
        "paymentMethod": "COD",
        "idempotencyKey": key,
    }  # fmt: skip


def order_request(items: list[tuple[int, Decimal]], *, buyer: User, lat: float, lng: float, key: str, line: str,
                  ) -> orders_service.OrderRequest:  # fmt: skip
    """The same order for `orders_service.place_order`, as the API would pass it."""
    return orders_service.OrderRequest(
        items=[orders_service.ItemInput(pk, quantity) for pk, quantity in items],
        address=orders_service.AddressInput(
            line=line, area="Klojen", recipient_name=buyer.name, recipient_phone=buyer.phone, lat=lat, lng=lng
        ),
        slot=orders_service.SlotInput(tomorrow_wib(), SlotWindow.AFTERNOON),
        payment_method=PaymentMethod.COD,
        note="",
        idempotency_key=key,
    )

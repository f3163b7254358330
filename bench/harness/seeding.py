"""Seed data that looks like a Malang market: the catalog, traders' stalls, products, users with tokens, orders."""

import csv
import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

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
from src.services.common.dates import today
from src.services.tokens import create_access_token
from src.settings import Settings

NO_LOGIN = "bench-not-a-real-argon2-hash"  # nobody logs in: tokens are signed directly
OPEN: dict[str, Any] = {"status": StallStatus.APPROVED, "is_open": True}
PIECE: dict[str, Any] = {"unit": Unit.PCS, "min_quantity": Decimal(1), "quantity_step": Decimal(1), "is_weighed": False}
MARKETS = 10
TRADERS_PER_MARKET = 20
with (Path(__file__).parent / "market_items.csv").open(newline="") as _items:
    ITEMS = list(csv.DictReader(_items))  # name, category (slug), unit, price, weighed (yes/no), minimum, step
QUALIFIERS = ["", "segar", "super", "lokal", "pilihan", "grade A", "organik", "kampung", "Batu", "Poncokusumo", "Pujon"]
HONORIFICS = ["Pak", "Bu", "Cak", "Mbak", "Mas", "Ning"]
FIRST_NAMES = ["Slamet", "Sri", "Wahyu", "Lilik", "Hadi", "Yuli", "Agus", "Siti", "Budi", "Rina", "Joko", "Endang"]
STALL_KINDS = ["Sayur Segar", "Toko Sembako", "Ikan Segar", "Buah", "Daging", "Bumbu Dapur", "Jajan Pasar", "Kelontong"]
VARIANTS = [(size, fmt) for size in ("THUMB", "SMALL", "MEDIUM", "LARGE") for fmt in ("WEBP", "JPEG")]
PHOTO: dict[str, Any] = {"status": PhotoStatus.READY, "content_type": "image/jpeg", "width": 1200, "height": 900}
TIER_STEPS = [("5", 0.95), ("10", 0.92), ("25", 0.88)]
# Explicit primary keys leave the sequences behind; moved on so the database stays usable.
RESET_SEQUENCES_SQL = """
SELECT setval(pg_get_serial_sequence('stall', 'id'), (SELECT MAX(id) FROM stall)),
       setval(pg_get_serial_sequence('product', 'id'), (SELECT MAX(id) FROM product)),
       setval(pg_get_serial_sequence('product_photo', 'id'), (SELECT MAX(id) FROM product_photo))
"""


@dataclass
class Seeded:
    """What the catalog seed wrote, for the report and the driver."""

    market_ids: list[int]
    stalls: int
    products: int
    tiers: int
    photos: int


def _rupiah(value: float) -> int:
    return max(100, round(value / 100) * 100)


async def seed_catalog(product_count: int) -> Seeded:
    """Traders with approved open stalls (the same number in each market), products spread round-robin over
    the markets and then each market's stalls, price tiers and READY photos, inserted with bulk_create."""
    rng = random.Random(2026)
    markets = await Market.all().order_by("id").limit(MARKETS)
    categories = {c.slug: c for c in await Category.all()}
    places = [(market, t) for market in markets for t in range(TRADERS_PER_MARKET)]
    names = [(f"{rng.choice(HONORIFICS)} {rng.choice(FIRST_NAMES)}", rng.choice(STALL_KINDS)) for _ in places]
    phones = [f"+62813{n // TRADERS_PER_MARKET:02d}{t:06d}" for n, (_, t) in enumerate(places)]
    password_hash = await passwords.hash_password("bench-password-2026")  # one argon2 hash for every trader
    each = [{"phone": phone, "name": name} for phone, (name, _) in zip(phones, names, strict=True)]
    traders = await users(len(places), role=Role.TRADER, password_hash=password_hash, each=each)
    stalls = []
    for n, ((market, t), (name, kind), person) in enumerate(zip(places, names, traders, strict=True)):
        fields = {"name": f"{kind} {name}", "stall_number": f"{'ABCDE'[t % 5]}-{t + 1:02d}"} | OPEN
        stalls.append(Stall(id=n + 1, market_id=market.id, trader_id=person.id, **fields))
    products: list[Product] = []
    tiers: list[PriceTier] = []
    photos: list[ProductPhoto] = []
    for index in range(product_count):
        pk, item = index + 1, rng.choice(ITEMS)
        name, category = f"{item['name']} {rng.choice(QUALIFIERS)}".strip(), categories[item["category"]]
        price, weighed = _rupiah(int(item["price"]) * rng.uniform(0.85, 1.2)), item["weighed"] == "yes"
        stock = Decimal(f"{rng.uniform(0, 80):.3f}") if weighed else Decimal(rng.randint(0, 200))
        m, turn = index % len(markets), index // len(markets)  # round-robin over markets, then their stalls
        stall_id = m * TRADERS_PER_MARKET + turn % TRADERS_PER_MARKET + 1
        text = {"description": f"{name}, langsung dari lapak.", "search_text": search.index_text(name, category.name)}
        sold = {"unit": item["unit"], "min_quantity": Decimal(item["minimum"]), "quantity_step": Decimal(item["step"])}
        about = {"name": name, "price": price, "stock": stock, "is_weighed": weighed} | text | sold
        products.append(Product(id=pk, stall_id=stall_id, category_id=category.id, **about))
        if rng.random() < 0.4:
            for quantity, factor in sorted(rng.sample(TIER_STEPS, rng.randint(1, 2)), key=lambda s: int(s[0])):
                tiers.append(PriceTier(product_id=pk, min_quantity=Decimal(quantity), price=_rupiah(price * factor)))
        if index % 2 == 0:
            photo, byte_size = len(photos) + 1, rng.randint(800_000, 4_000_000)
            variants = {f"{v}.{f}": f"photos/products/{pk}/{photo}/{v.lower()}.{f.lower()}" for v, f in VARIANTS}
            key = f"originals/products/{pk}/{photo}"
            photos.append(
                ProductPhoto(id=photo, product_id=pk, byte_size=byte_size, variants=variants, original_key=key, **PHOTO)
            )
    await Stall.bulk_create(stalls, batch_size=1000)
    await Product.bulk_create(products, batch_size=1000)
    await PriceTier.bulk_create(tiers, batch_size=1000)
    await ProductPhoto.bulk_create(photos, batch_size=1000)
    await rows(RESET_SEQUENCES_SQL)
    await analyse()
    return Seeded([m.id for m in markets], len(stalls), len(products), len(tiers), len(photos))


@dataclass
class Person:
    """A seeded user with an access token (signed with the servers' SECRET_KEY), and the row itself."""

    id: int
    phone: str
    token: str
    user: User


async def users(
    count: int, *, role: Role = Role.BUYER, phone: str = "+628127", name: str = "Pembeli", each: Any = (), **fields: Any
) -> list[Person]:
    """`count` users (buyers unless `role` says), phones `<phone>0000000`…, `each[n]` adding fields to user n."""
    if role is Role.BUYER:
        fields.setdefault("buyer_type", BuyerType.HOUSEHOLD)
    fields, each = {"role": role, "password_hash": NO_LOGIN} | fields, list(each) or [{}] * count
    made = [User(**{"phone": f"{phone}{n:07d}", "name": f"{name} {n + 1}"} | fields | each[n]) for n in range(count)]
    await User.bulk_create(made, batch_size=500)
    saved = await User.filter(phone__in=[u.phone for u in made]).order_by("id")
    # Only the key and the lifetime matter here: the tokens must outlive seeding, the runs and the checks.
    settings = Settings(secret_key=SecretStr(SECRET_KEY), access_token_minutes=24 * 60)
    return [Person(u.id, u.phone, create_access_token(u, settings), u) for u in saved]


async def stall(market: Market, n: int, name: str, *, phone: str = "+628129", trader: str = "", **fields: Any) -> Stall:
    """A trader (`fields` on the user) with an approved, open stall."""
    fields = {"phone": f"{phone}{n:07d}", "name": trader or f"Pedagang {n + 1}", "password_hash": NO_LOGIN, **fields}
    owner, number = await User.create(role=Role.TRADER, **fields), f"{'ABC'[n % 3]}-{n + 1:02d}"
    return await Stall.create(market=market, trader=owner, name=name, stall_number=number, **OPEN)


async def product(stall: Stall, category: Category, name: str, *, price: int, stock: int, **fields: Any) -> int:
    """A product sold by the piece (minimum 1, step 1) unless `fields` say otherwise; its id."""
    text = {"description": "Langsung dari lapak.", "search_text": search.index_text(name, category.name)}
    made = await Product.create(
        stall=stall, category=category, name=name, price=price, stock=Decimal(stock), **PIECE | text | fields
    )
    return int(made.id)


def order_input(
    items: list[tuple[int, str]], buyer: Person, key: str, *, lat: float, lng: float, line: str = ""
) -> dict[str, Any]:
    """placeOrder's input: (product pk, quantity) items, COD, tomorrow AFTERNOON (WIB), to `line` (a street of
    Klojen unless given)."""
    address = {"line": line or f"Jl. Kawi No. {buyer.id % 200 + 1}", "area": "Klojen", "recipientName": "Bu Sri"}
    return {
        "items": [{"productId": relay.to_base64("Product", pk), "quantity": quantity} for pk, quantity in items],
        "address": address | {"recipientPhone": buyer.phone, "location": {"lat": lat, "lng": lng}},
        "deliverySlot": {"date": (today() + timedelta(days=1)).isoformat(), "window": "AFTERNOON"},
        "paymentMethod": "COD",
        "idempotencyKey": key,
    }


def order_request(
    items: list[tuple[int, Decimal]], buyer: User, key: str, *, lat: float, lng: float, line: str = ""
) -> orders_service.OrderRequest:
    """The same order for `orders_service.place_order`, as the API would pass it (the buyer receives it)."""
    street, recipient = line or f"Jl. Kawi No. {buyer.id % 200 + 1}", (buyer.name, buyer.phone)
    return orders_service.OrderRequest(
        items=[orders_service.ItemInput(pk, quantity) for pk, quantity in items],
        address=orders_service.AddressInput(street, *recipient, lat=lat, lng=lng, area="Klojen"),
        slot=orders_service.SlotInput(today() + timedelta(days=1), SlotWindow.AFTERNOON),
        payment_method=PaymentMethod.COD,
        note="",
        idempotency_key=key,
    )

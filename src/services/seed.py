"""Demo and reference data that looks like Malang: its markets, the catalog's categories, demo accounts."""

import logging
from dataclasses import dataclass
from decimal import Decimal

from src.models.accounts import BuyerType, Role, User
from src.models.catalog import Category, PriceTier, Product, Unit
from src.models.markets import Market, Stall, StallStatus
from src.models.payments import PaymentSettings
from src.services import passwords, search
from src.services.payments import qris

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MarketSeed:
    name: str
    slug: str
    address: str
    latitude: str
    longitude: str
    opening_hours: str
    radius_km: int = 5


# Approximate coordinates of the city's markets (Dinas Koperasi, Perindustrian dan Perdagangan Kota Malang).
MARKETS = [
    MarketSeed(
        "Pasar Besar Malang",
        "pasar-besar",
        "Jl. Pasar Besar, Sukoharjo, Klojen",
        "-7.986200",
        "112.630000",
        "Setiap hari 03:00-17:00",
        7,
    ),
    MarketSeed(
        "Pasar Oro-Oro Dowo",
        "oro-oro-dowo",
        "Jl. Guntur No. 20, Oro-Oro Dowo, Klojen",
        "-7.965500",
        "112.630000",
        "Setiap hari 05:00-13:00",
    ),
    MarketSeed(
        "Pasar Blimbing",
        "blimbing",
        "Jl. Raden Intan, Purwodadi, Blimbing",
        "-7.941000",
        "112.644000",
        "Setiap hari 02:00-16:00",
        6,
    ),
    MarketSeed(
        "Pasar Dinoyo",
        "dinoyo",
        "Jl. MT Haryono, Dinoyo, Lowokwaru",
        "-7.940600",
        "112.609300",
        "Setiap hari 03:00-15:00",
        6,
    ),
    MarketSeed(
        "Pasar Bunul",
        "bunul",
        "Jl. Hamid Rusdi, Bunulrejo, Blimbing",
        "-7.961500",
        "112.652000",
        "Setiap hari 04:00-14:00",
    ),
    MarketSeed(
        "Pasar Tawangmangu",
        "tawangmangu",
        "Jl. Tawangmangu, Lowokwaru",
        "-7.960000",
        "112.638000",
        "Setiap hari 05:00-13:00",
        4,
    ),
    MarketSeed(
        "Pasar Klojen", "klojen", "Jl. Cokroaminoto, Klojen", "-7.972000", "112.633000", "Setiap hari 04:00-13:00", 4
    ),
    MarketSeed(
        "Pasar Sukun", "sukun", "Jl. Sudanco Supriadi, Sukun", "-7.998000", "112.616000", "Setiap hari 03:00-14:00"
    ),
    MarketSeed(
        "Pasar Sawojajar",
        "sawojajar",
        "Jl. Danau Toba, Sawojajar, Kedungkandang",
        "-7.971000",
        "112.667000",
        "Setiap hari 04:00-13:00",
    ),
    MarketSeed(
        "Pasar Madyopuro",
        "madyopuro",
        "Jl. Ki Ageng Gribig, Madyopuro, Kedungkandang",
        "-7.970000",
        "112.683000",
        "Setiap hari 04:00-12:00",
    ),
    MarketSeed(
        "Pasar Mergan",
        "mergan",
        "Jl. Mergan Lori, Tanjungrejo, Sukun",
        "-7.984000",
        "112.618000",
        "Setiap hari 04:00-12:00",
        4,
    ),
]

CATEGORIES = [
    ("Sembako", "sembako"),
    ("Sayur", "sayur"),
    ("Buah", "buah"),
    ("Daging & Unggas", "daging-unggas"),
    ("Ikan & Hasil Laut", "ikan"),
    ("Bumbu & Rempah", "bumbu"),
    ("Jajanan & Kue", "jajanan"),
    ("Pakaian", "pakaian"),
    ("Rumah Tangga", "rumah-tangga"),
]


async def seed_reference_data() -> None:
    """Markets and categories; running it again updates them in place."""
    for m in MARKETS:
        await Market.update_or_create(
            slug=m.slug,
            defaults={
                "name": m.name,
                "address": m.address,
                "latitude": Decimal(m.latitude),
                "longitude": Decimal(m.longitude),
                "opening_hours": m.opening_hours,
                "delivery_radius_km": Decimal(m.radius_km),
            },
        )
    for order, (name, slug) in enumerate(CATEGORIES):
        await Category.update_or_create(slug=slug, defaults={"name": name, "sort_order": order})


DEMO_PASSWORD = "pasar-demo-2026"


@dataclass(frozen=True)
class DemoUser:
    phone: str
    name: str
    role: Role
    market_slug: str | None = None
    buyer_type: BuyerType | None = None
    business_name: str | None = None


DEMO_USERS = [
    DemoUser("+6281211110001", "Bu Sri Wahyuni", Role.BUYER, buyer_type=BuyerType.HOUSEHOLD),
    DemoUser(
        "+6281211110002",
        "Dapur Hotel Tugu",
        Role.BUYER,
        buyer_type=BuyerType.BUSINESS,
        business_name="Hotel Tugu Malang",
    ),
    DemoUser("+6281222220001", "Pak Slamet", Role.TRADER),
    DemoUser("+6281233330001", "Mas Arif (kurir)", Role.COURIER, market_slug="pasar-besar"),
    DemoUser("+6281244440001", "Bu Ratna (admin Pasar Besar)", Role.MARKET_ADMIN, market_slug="pasar-besar"),
    DemoUser("+6281255550001", "Diskoperindag Kota Malang", Role.MARKET_ADMIN),
]


async def seed_demo_users() -> None:
    """One demo user per role (and the trade office); existing phones are left as they are."""
    password_hash = await passwords.hash_password(DEMO_PASSWORD)
    for demo in DEMO_USERS:
        market = await Market.get(slug=demo.market_slug) if demo.market_slug else None
        await User.get_or_create(
            phone=demo.phone,
            defaults={
                "name": demo.name,
                "role": demo.role,
                "market": market,
                "buyer_type": demo.buyer_type,
                "business_name": demo.business_name,
                "password_hash": password_hash,
            },
        )


@dataclass(frozen=True)
class DemoStall:
    trader_phone: str
    trader_name: str
    market_slug: str
    name: str
    number: str
    # (name, category slug, unit, price, stock, min, step, weighed, tiers)
    products: list[tuple[str, str, Unit, int, str, str, str, bool, list[tuple[str, int]]]]


DEMO_STALLS = [
    DemoStall(
        "+6281222220001",
        "Pak Slamet",
        "pasar-besar",
        "Sayur Segar Pak Slamet",
        "B-12",
        [
            ("Cabai rawit merah", "bumbu", Unit.KG, 62000, "8", "0.25", "0.25", True, [("5", 58000)]),
            ("Bawang merah Probolinggo", "bumbu", Unit.KG, 36000, "20", "0.25", "0.25", True, [("10", 33000)]),
            ("Kangkung", "sayur", Unit.IKAT, 3000, "40", "1", "1", False, []),
            ("Tomat merah", "sayur", Unit.KG, 14000, "15", "0.5", "0.5", True, []),
            ("Kentang Batu", "sayur", Unit.KG, 17000, "25", "1", "0.5", True, [("10", 15500)]),
        ],
    ),
    DemoStall(
        "+6281222220002",
        "Bu Lilik",
        "pasar-besar",
        "Toko Sembako Bu Lilik",
        "A-03",
        [
            ("Beras IR64 premium", "sembako", Unit.KG, 13300, "500", "1", "1", False, [("25", 12800), ("50", 12500)]),
            ("Telur ayam negeri", "sembako", Unit.KG, 28500, "60", "0.5", "0.5", True, [("10", 27500)]),
            ("Minyak goreng curah", "sembako", Unit.LITER, 16500, "100", "1", "1", False, []),
            ("Gula pasir", "sembako", Unit.KG, 17500, "80", "1", "1", False, [("20", 16800)]),
        ],
    ),
    DemoStall(
        "+6281222220003",
        "Cak Mat",
        "blimbing",
        "Ikan Segar Cak Mat",
        "C-07",
        [
            ("Ikan tongkol", "ikan", Unit.KG, 38000, "12", "0.5", "0.5", True, []),
            ("Ikan lele hidup", "ikan", Unit.KG, 27000, "20", "1", "0.5", True, [("10", 25000)]),
            ("Udang vaname", "ikan", Unit.KG, 85000, "6", "0.25", "0.25", True, []),
        ],
    ),
    DemoStall(
        "+6281222220004",
        "Mbak Yuli",
        "dinoyo",
        "Buah Mbak Yuli",
        "D-21",
        [
            ("Apel Batu manalagi", "buah", Unit.KG, 22000, "30", "0.5", "0.5", True, [("10", 20000)]),
            ("Pisang raja", "buah", Unit.SISIR, 25000, "15", "1", "1", False, []),
            ("Jeruk keprok Batu", "buah", Unit.KG, 24000, "25", "0.5", "0.5", True, []),
        ],
    ),
    DemoStall(
        "+6281222220005",
        "Pak Hadi",
        "oro-oro-dowo",
        "Daging Pak Hadi",
        "E-02",
        [
            ("Daging sapi has dalam", "daging-unggas", Unit.KG, 140000, "10", "0.25", "0.25", True, []),
            ("Ayam potong utuh", "daging-unggas", Unit.EKOR, 42000, "20", "1", "1", False, [("10", 40000)]),
        ],
    ),
]


async def seed_demo_stalls() -> None:
    """Approved, open demo stalls with Indonesian products; stalls that exist are left alone."""
    password_hash = await passwords.hash_password(DEMO_PASSWORD)
    categories = {c.slug: c for c in await Category.all()}
    for demo in DEMO_STALLS:
        trader, _ = await User.get_or_create(
            phone=demo.trader_phone,
            defaults={"name": demo.trader_name, "role": Role.TRADER, "password_hash": password_hash},
        )
        if await Stall.exists(trader_id=trader.id):
            continue
        market = await Market.get(slug=demo.market_slug)
        stall = await Stall.create(
            market=market,
            trader=trader,
            name=demo.name,
            stall_number=demo.number,
            status=StallStatus.APPROVED,
            is_open=True,
        )
        for name, category_slug, unit, price, stock, minimum, step, weighed, tiers in demo.products:
            category = categories[category_slug]
            product = await Product.create(
                stall=stall,
                category=category,
                name=name,
                unit=unit,
                price=price,
                stock=Decimal(stock),
                min_quantity=Decimal(minimum),
                quantity_step=Decimal(step),
                is_weighed=weighed,
                search_text=search.index_text(name, category.name),
            )
            for quantity, tier_price in tiers:
                await PriceTier.create(product=product, min_quantity=Decimal(quantity), price=tier_price)


def demo_qris(merchant: str, n: int) -> str:
    """A static QRIS shaped like a market's sticker, for demo data (its NMID is not a real merchant's)."""
    f = qris.Field
    national = qris.encode([f("00", "ID.CO.QRIS.WWW"), f("02", f"ID10200{n:08d}"), f("03", "UMI")])
    body = [f("00", "01"), f("01", "11"), f("51", national), f("52", "5411"), f("53", "360"), f("58", "ID")]
    body += [f("59", merchant[:25]), f("60", "MALANG"), f("62", qris.encode([f("07", "DEMO")]))]
    text = qris.encode(body) + "6304"
    return text + qris.crc16(text)


async def seed_demo_payment_settings() -> None:
    """Demo payment settings for every market that has none: a static QRIS and a bank account (demo)."""
    for n, market in enumerate(await Market.all().order_by("id"), start=1):
        await PaymentSettings.get_or_create(
            scope=f"market:{market.id}",
            defaults={
                "market": market,
                "qris_payload": demo_qris(market.name.upper(), n),
                "bank_name": "Bank Jatim",
                "account_number": f"0011200{n:05d}",
                "account_name": f"UPT {market.name} (demo)"[:120],
            },
        )


async def seed(*, demo: bool = True) -> list[str]:
    """Reference data, then (outside production) demo accounts; returns lines describing the demo logins."""
    await seed_reference_data()
    if not demo:
        return []
    await seed_demo_users()
    await seed_demo_stalls()
    await seed_demo_payment_settings()
    return await demo_logins()


async def demo_logins() -> list[str]:
    """How to log in as each demo user that exists."""
    existing = set(await User.filter(phone__in=[d.phone for d in DEMO_USERS]).values_list("phone", flat=True))
    lines = [f"{d.role.value:<13} {d.phone}  {d.name}" for d in DEMO_USERS if d.phone in existing]
    return [f"demo logins (password {DEMO_PASSWORD}):", *lines] if lines else []


async def is_empty() -> bool:
    return not await Market.exists()

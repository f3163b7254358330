"""Demo and reference data that looks like Malang: its markets, the catalog's categories, demo accounts."""

import logging
from dataclasses import dataclass
from decimal import Decimal

from src.models.catalog import Category
from src.models.markets import Market

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


async def seed(*, demo: bool = True) -> list[str]:
    """Reference data, then (in development) demo accounts; returns lines describing the demo logins."""
    await seed_reference_data()
    return []


async def demo_logins() -> list[str]:
    """How to log in as each demo user (nothing until accounts exist)."""
    return []


async def is_empty() -> bool:
    return not await Market.exists()

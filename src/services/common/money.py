"""Money rules in one place: integer rupiah, decimal quantities, and how every amount is rounded.

- A line costs quantity × unit price, rounded to the nearest rupiah, halves up (0.35 kg × Rp 38.000 = Rp 13.300),
  and never less than Rp 1 when something priced is bought: goods are never free by rounding.
- The delivery fee is base + per-km fee × distance, rounded to the nearest Rp 500, halves up.
- Totals are sums of rounded amounts, so what a buyer sees always adds up.
"""

from decimal import ROUND_HALF_UP, Decimal
from math import asin, cos, radians, sin, sqrt

DELIVERY_FEE_STEP = 500
EARTH_RADIUS_KM = 6371.0088


def line_total(quantity: Decimal, unit_price: int) -> int:
    rounded = int((quantity * unit_price).to_integral_value(rounding=ROUND_HALF_UP))
    # 0.001 kg of a Rp 400/kg product is Rp 0,4: rounded it would be free. Lines of one product are merged
    # before pricing, so only a single tiny line gets here; charging it Rp 1 costs a buyer at most that
    # rupiah, where refusing it would refuse a quantity the product's own step allows.
    if rounded == 0 and quantity > 0 and unit_price > 0:
        return 1
    return rounded


def delivery_fee(*, base: int, per_km: int, distance_km: Decimal) -> int:
    raw = Decimal(base) + Decimal(per_km) * distance_km
    steps = (raw / DELIVERY_FEE_STEP).to_integral_value(rounding=ROUND_HALF_UP)
    return int(steps) * DELIVERY_FEE_STEP


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> Decimal:
    """Great-circle distance, to 10 m: close enough for a courier's fee inside one city."""
    dlat, dlng = radians(lat2 - lat1), radians(lng2 - lng1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlng / 2) ** 2
    return Decimal(2 * EARTH_RADIUS_KM * asin(sqrt(a))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rupiah(amount: int) -> str:
    """Rp 13.300: the Indonesian way, dots between thousands (a debt: -Rp 840)."""
    sign = "-" if amount < 0 else ""
    return sign + "Rp " + f"{abs(amount):,}".replace(",", ".")


class Rupiah(int):
    """An amount of money as a message parameter: written `Rp 50.840` in every language."""

    def localize(self, language: str) -> str:
        return rupiah(int(self))

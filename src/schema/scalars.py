"""Shared value types: Money in whole rupiah, and quantities as the Decimal scalar (a string)."""

from decimal import Decimal
from typing import Any

import strawberry

CURRENCY = "IDR"

# Quantities use Strawberry's built-in Decimal scalar, which serialises to a string: 0.25 kg never
# turns into 0.2499….


@strawberry.type(description="An amount of money in whole units of its currency (rupiah have no cents).")
class Money:
    amount: int
    currency: str = CURRENCY


def decimal_value(value: Any) -> Decimal:
    """A quantity as clients want it: "0.25", "10" (not "0.250" or "1E+1"), whatever the database returned."""
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return Decimal(format(exact.normalize(), "f"))


def money(amount: int) -> Money:
    return Money(amount=amount, currency=CURRENCY)

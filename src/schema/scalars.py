"""Shared value types: Money in whole rupiah, and quantities as the Decimal scalar (a string)."""

from decimal import Decimal

import strawberry

CURRENCY = "IDR"

# Strawberry's built-in Decimal scalar serialises to a string, so 0.25 kg never turns into 0.2499….
DecimalScalar = Decimal


@strawberry.type(description="An amount of money in whole units of its currency (rupiah have no cents).")
class Money:
    amount: int
    currency: str = CURRENCY


def money(amount: int) -> Money:
    return Money(amount=amount, currency=CURRENCY)

"""Shared value types: Money in whole rupiah, and quantities as the Decimal scalar (a string)."""

from decimal import Decimal, DecimalException
from typing import Any

import strawberry
from strawberry.types.scalar import ScalarDefinition

from src.services.common.quantities import MAX_DECIMAL_INPUT

CURRENCY = "IDR"

# The decimal string syntax of the General Decimal Arithmetic specification (what Python's Decimal
# reads): generic clients and fuzzers find it through @specifiedBy.
DECIMAL_SPEC_URL = "https://speleotrove.com/decimal/daconvs.html#refnumsyn"


@strawberry.type(description="An amount of money in whole units of its currency (rupiah have no cents).")
class Money:
    amount: int
    currency: str = CURRENCY


class InvalidDecimal:
    """What a client sent where a Decimal belongs but that is no number ("abc", true, a list): kept, not
    refused while the variables are read, so the input rules name the field in the caller's language."""

    __slots__ = ("raw",)

    def __init__(self, raw: object) -> None:
        self.raw = raw

    def __repr__(self) -> str:
        return f"InvalidDecimal({self.raw!r})"


def parse_decimal(value: object) -> Decimal | InvalidDecimal:
    """A Decimal input as a number: "0.25" (a JSON number is read from its text too). "1E+2" is 100 and
    "-0" is 0, written plainly; NaN, Infinity and huge values are returned as they are, for the input
    rules to refuse with the field's name."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return InvalidDecimal(value)
    try:
        number = Decimal(str(value).strip())
    except (DecimalException, ValueError):
        return InvalidDecimal(value)
    if number.is_finite() and abs(number) <= MAX_DECIMAL_INPUT:
        if number.as_tuple().exponent > 0:  # type: ignore[operator]  # finite: an int exponent
            number = number.quantize(Decimal(1))  # 1E+2 → 100 (at most 10 digits: exact)
        if number.is_zero():
            number = number.copy_abs()  # -0 is 0
    return number


DECIMAL_SCALAR = ScalarDefinition(
    name="Decimal",
    description='A decimal number as a string, e.g. "0.25" (kg) or "6.5" (km); never rounded through binary floats.',
    specified_by_url=DECIMAL_SPEC_URL,
    serialize=str,
    parse_value=parse_decimal,
    parse_literal=None,
    origin=Decimal,
)


def decimal_value(value: Any) -> Decimal:
    """A quantity as clients want it: "0.25", "10" (not "0.250" or "1E+1"), whatever the database returned."""
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return Decimal(format(exact.normalize(), "f"))


def money(amount: int) -> Money:
    return Money(amount=amount, currency=CURRENCY)

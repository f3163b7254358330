"""Decimal quantities from clients (0.25 kg, a 6.5 km radius): finite, bounded, with few decimal places."""

from decimal import Decimal, InvalidOperation

from src.services.errors import invalid

QUANTITY_PLACES = 3
MAX_QUANTITY = Decimal("1000000")


def check_quantity(
    value: Decimal,
    *,
    field: str,
    allow_zero: bool = False,
    places: int = QUANTITY_PLACES,
    maximum: Decimal = MAX_QUANTITY,
) -> Decimal:
    """A finite decimal with at most `places` decimals, positive (or zero when allowed), at most `maximum`."""
    try:
        finite = value.is_finite()
    except (AttributeError, InvalidOperation):
        finite = False
    if not finite:  # NaN and Infinity parse as decimals too
        raise invalid(field)
    step = Decimal(1).scaleb(-places)
    if value != value.quantize(step):
        raise invalid(field, "TOO_MANY_DECIMALS", places=places)
    if value < 0 or (value == 0 and not allow_zero):
        raise invalid(field, "MUST_NOT_BE_NEGATIVE" if allow_zero else "MUST_BE_POSITIVE")
    if value > maximum:
        raise invalid(field)
    return value.quantize(step)

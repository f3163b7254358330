"""Decimal quantities from clients (0.25 kg, a 6.5 km radius): finite, bounded, with few decimal places."""

from decimal import Decimal, InvalidOperation

from src.services.common.errors import DomainError, invalid

QUANTITY_PLACES = 3
MAX_QUANTITY = Decimal("1000000")
# Every Decimal input of the API, whatever its field, before any arithmetic: finite, at most a billion
# and at most a gram of a kilogram. The services then apply each field's own, tighter, rule. Bounding
# first matters: quantizing 1E+30 to three places needs 34 digits, over Decimal's 28.
MAX_DECIMAL_INPUT = Decimal(10) ** 9
DECIMAL_INPUT_PLACES = QUANTITY_PLACES


def _is_finite(value: object) -> bool:
    try:
        return isinstance(value, Decimal) and value.is_finite()
    except (AttributeError, InvalidOperation):
        return False


def _places(value: Decimal) -> int:
    """Decimal places that carry a digit: "0.2500" has 2 (call only on bounded, finite values)."""
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def decimal_input_error(value: object, *, field: str) -> DomainError | None:
    """Why a Decimal input is refused before it reaches any service (None when it is a sane number)."""
    if not _is_finite(value):  # NaN, Infinity, or something that was no number at all
        return invalid(field, "NOT_A_NUMBER")
    assert isinstance(value, Decimal)
    if abs(value) > MAX_DECIMAL_INPUT:
        return invalid(field, "NUMBER_TOO_LARGE")
    if _places(value) > DECIMAL_INPUT_PLACES:
        return invalid(field, "TOO_MANY_DECIMALS", places=DECIMAL_INPUT_PLACES)
    return None


def check_quantity(
    value: Decimal,
    *,
    field: str,
    allow_zero: bool = False,
    places: int = QUANTITY_PLACES,
    maximum: Decimal = MAX_QUANTITY,
) -> Decimal:
    """A finite decimal with at most `places` decimals, positive (or zero when allowed), at most `maximum`."""
    if not _is_finite(value):  # NaN and Infinity parse as decimals too
        raise invalid(field, "NOT_A_NUMBER")
    # Sign and size before the places: quantizing a huge value raises InvalidOperation.
    if value < 0 or (value == 0 and not allow_zero):
        raise invalid(field, "MUST_NOT_BE_NEGATIVE" if allow_zero else "MUST_BE_POSITIVE")
    if value > maximum:
        raise invalid(field)
    step = Decimal(1).scaleb(-places)
    if _places(value) > places:
        raise invalid(field, "TOO_MANY_DECIMALS", places=places)
    return value.quantize(step).copy_abs()  # copy_abs: "-0" is stored as 0

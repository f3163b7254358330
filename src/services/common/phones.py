"""Phone numbers, the login of every user: parsed and normalised to E.164 with `phonenumbers`."""

import phonenumbers
from phonenumbers import PhoneNumberType

from src.services.common.errors import DomainError, ErrorCode

_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalize_phone(raw: str, *, field: str = "phone") -> str:
    """`0812-3456-7890`, `+62 812 3456 7890` and `6281234567890` all become `+6281234567890`.

    Only valid Indonesian mobile numbers are accepted: orders are confirmed by SMS or WhatsApp.
    """
    if not raw or len(raw) > 32:
        raise DomainError(ErrorCode.INVALID_PHONE, field=field)
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException as exc:
        raise DomainError(ErrorCode.INVALID_PHONE, field=field) from exc
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != "ID"
        or phonenumbers.number_type(number) not in _MOBILE_TYPES
    ):
        raise DomainError(ErrorCode.INVALID_PHONE, field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

"""Free text from people: trimmed, checked for presence and length, with every mistake collected."""

import re

from src.services.common.errors import DomainError, ErrorCollector, invalid

# C0 control characters other than tab and newline, DEL, and lone surrogates (no UTF-8 text holds one):
# none belongs in a name, a note or an address; NUL is refused by PostgreSQL and the others hide text in
# a terminal or a spreadsheet.
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def text_input_error(value: str, *, field: str) -> DomainError | None:
    """The one rule for every text a client sends (API arguments and what services store)."""
    return invalid(field, "CONTROL_CHARACTERS") if _FORBIDDEN.search(value) else None


def clean_text(
    value: str | None,
    *,
    field: str,
    max_length: int,
    errors: ErrorCollector,
    required: bool = True,
    multiline: bool = False,
) -> str:
    """Runs of spaces become one (a multi-line text is only trimmed); empty, too long or holding control
    characters is recorded."""
    raw = value or ""
    if (refused := text_input_error(raw, field=field)) is not None:
        errors.add(refused)
        return raw
    cleaned = raw.strip() if multiline else " ".join(raw.split())
    if required and not cleaned:
        errors.add(invalid(field, "REQUIRED"))
    elif len(cleaned) > max_length:
        errors.add(invalid(field, "TOO_LONG", max_length=max_length))
    return cleaned

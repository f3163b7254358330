"""Free text from people: trimmed, checked for presence and length, with every mistake collected."""

from src.services.errors import ErrorCollector, invalid


def clean_text(
    value: str | None,
    *,
    field: str,
    max_length: int,
    errors: ErrorCollector,
    required: bool = True,
    multiline: bool = False,
) -> str:
    """Runs of spaces become one (a multi-line text is only trimmed); empty or too long is recorded."""
    raw = value or ""
    cleaned = raw.strip() if multiline else " ".join(raw.split())
    if required and not cleaned:
        errors.add(invalid(field, "REQUIRED"))
    elif len(cleaned) > max_length:
        errors.add(invalid(field, "TOO_LONG", max_length=max_length))
    return cleaned

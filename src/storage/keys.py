"""Object key builders: deterministic, so a job that runs twice writes the same keys."""

import re

_SAFE = re.compile(r"[^A-Za-z0-9._/-]")


def validate_key(key: str) -> str:
    """Refuse keys that could escape the storage root or carry odd characters."""
    if not key or key.startswith("/") or ".." in key.split("/") or _SAFE.search(key):
        raise ValueError(f"invalid storage key: {key!r}")
    return key


def photo_original_key(*, product_id: int, photo_id: int) -> str:
    return f"originals/products/{product_id}/{photo_id}"


def photo_variant_key(*, product_id: int, photo_id: int, size: str, fmt: str) -> str:
    return f"photos/products/{product_id}/{photo_id}/{size.lower()}.{fmt.lower()}"

"""Reading the catalog's categories for the API."""

from typing import Any

from src.models.catalog import Category


async def list_categories() -> list[dict[str, Any]]:
    """Every category (id, name, slug) in shelf order."""
    return await Category.all().order_by("sort_order", "name").values("id", "name", "slug")


async def categories_by_id(*, ids: list[int]) -> list[Category | None]:
    """Categories by id, in that order (None for the missing). One query."""
    found = {c.id: c for c in await Category.filter(id__in=ids)}
    return [found.get(i) for i in ids]

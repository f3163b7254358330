"""Reading product photos for the API: one as it is now, and photos by id as a viewer may see them."""

from src.models.accounts import User
from src.models.media import PhotoStatus, ProductPhoto
from src.services.permissions import Action, may


async def get_photo(*, photo_id: int) -> ProductPhoto:
    """A photo as it is now (read again: its processing job may have moved it on)."""
    return await ProductPhoto.get(id=photo_id)


async def visible_photos(*, viewer: User | None, ids: list[int]) -> list[ProductPhoto | None]:
    """Photos by id, in that order: a READY one for anyone, the others for the product's trader; None for
    the rest and the missing. One query."""
    found = {p.id: p for p in await ProductPhoto.filter(id__in=ids).select_related("product__stall")}
    return [
        p if p is not None and (p.status == PhotoStatus.READY or may(viewer, Action.MANAGE, p.product.stall)) else None
        for p in (found.get(i) for i in ids)
    ]

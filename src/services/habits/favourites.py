"""Favourites: products and stalls a buyer keeps to find again, at most MAX_FAVOURITES of each kind.

A favourite is kept while its product or stall is unlisted (sold out, off sale, closed) and shows again
when it is back: `myFavourites` lists what the buyer may see now.
"""

from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from src.models.accounts import Role, User
from src.models.habits import FavouriteProduct, FavouriteStall
from src.services import catalog_queries
from src.services import markets as markets_service
from src.services.common.errors import DomainError, ErrorCode, invalid
from src.services.permissions import require_role

MAX_FAVOURITES = 200


@dataclass(frozen=True)
class Favourites:
    """The ids of a buyer's favourite products and stalls, newest first."""

    product_ids: list[int]
    stall_ids: list[int]


async def set_favourite(*, actor: User | None, product_id: int | None, stall_id: int | None, favourite: bool) -> bool:
    """Keep (or drop) one product or one stall among the buyer's favourites; saying it twice changes nothing.
    Only what the buyer may see can become a favourite; dropping always works. Returns `favourite`."""
    buyer = require_role(actor, Role.BUYER)
    if (product_id is None) == (stall_id is None):
        raise invalid("productId", "PRODUCT_OR_STALL")
    model: type[FavouriteProduct] | type[FavouriteStall]
    key: dict[str, Any]
    if product_id is not None:
        model, key, field = FavouriteProduct, {"product_id": product_id}, "productId"
        visible = bool(await catalog_queries.product_rows(viewer=buyer, ids=[product_id])) if favourite else True
    else:
        assert stall_id is not None
        model, key, field = FavouriteStall, {"stall_id": stall_id}, "stallId"
        visible = (await markets_service.visible_stalls(viewer=buyer, ids=[stall_id]))[0] is not None
    if not favourite:
        await model.filter(buyer_id=buyer.id, **key).delete()
        return False
    if not visible:
        raise DomainError(ErrorCode.NOT_FOUND, field=field)
    async with in_transaction():
        # The buyer's row is the lock: racing requests neither pass the limit nor add one favourite twice.
        await User.select_for_update(no_key=True).get(id=buyer.id)
        if await model.exists(buyer_id=buyer.id, **key):
            return True
        if await model.filter(buyer_id=buyer.id).count() >= MAX_FAVOURITES:
            raise DomainError(
                ErrorCode.INVALID_INPUT, field=field, message_key="TOO_MANY_FAVOURITES", max=MAX_FAVOURITES
            )
        await model.create(buyer_id=buyer.id, **key)
    return True


async def my_favourites(*, actor: User | None) -> Favourites:
    """The buyer's favourites' ids, newest first (two queries)."""
    buyer = require_role(actor, Role.BUYER)
    products = await FavouriteProduct.filter(buyer_id=buyer.id).order_by("-id").values_list("product_id", flat=True)
    stalls = await FavouriteStall.filter(buyer_id=buyer.id).order_by("-id").values_list("stall_id", flat=True)
    return Favourites(product_ids=[int(i) for i in products], stall_ids=[int(i) for i in stalls])  # type: ignore[call-overload]

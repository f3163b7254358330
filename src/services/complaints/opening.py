"""A buyer's complaint about a delivered order (or one stall's part of it), within the window after delivery."""

import asyncio
import secrets
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import User
from src.models.complaints import Complaint
from src.models.orders import OrderStatus, StallOrder, StallOrderStatus
from src.services import imaging, photos
from src.services import orders as orders_service
from src.services.common.errors import DomainError, ErrorCode, ErrorCollector, invalid
from src.services.common.text import clean_text
from src.services.orders.states import lock_order
from src.settings import Settings
from src.storage import Storage

REASON_LENGTH = 1000
PHOTO_LONG_EDGE = 1280


def scope_of(order_id: int, part: StallOrder | None) -> str:
    """One complaint per part, and one about the whole order."""
    return f"part:{part.id}" if part is not None else f"order:{order_id}"


async def open_complaint(
    *,
    actor: User | None,
    order_id: int,
    stall_order_id: int | None,
    reason: str,
    photo: bytes | None,
    storage: Storage,
    settings: Settings,
) -> Complaint:
    """The buyer says what went wrong: the part's trader (if about one) and the market's admins hear of it."""
    order = await orders_service.order_or_none(order_id)
    # Another buyer's order is reported as missing: its existence is none of their business.
    if order is None or actor is None or order.buyer_id != actor.id:
        raise DomainError(ErrorCode.NOT_FOUND, field="orderId")
    errors = ErrorCollector()
    cleaned = clean_text(reason, field="reason", max_length=REASON_LENGTH, errors=errors, multiline=True)
    errors.raise_if_any()
    if order.status != OrderStatus.DELIVERED:
        raise DomainError(ErrorCode.INVALID_STATE, field="orderId", message_key="COMPLAINT_NOT_DELIVERED")
    delivered = await orders_service.delivered_at(order.id)
    if delivered is None or now() > delivered + timedelta(hours=settings.complaint_window_hours):
        hours = settings.complaint_window_hours
        raise DomainError(
            ErrorCode.INVALID_STATE, field="orderId", message_key="COMPLAINT_WINDOW_CLOSED",
            hours=int(hours) if float(hours).is_integer() else hours,
        )  # fmt: skip
    part = None
    if stall_order_id is not None:
        parts = (await orders_service.parts_of([order.id])).get(order.id, [])
        part = next((p for p in parts if p.id == stall_order_id), None)
        if part is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="stallOrderId")
        if part.status != StallOrderStatus.READY:  # rejected or cancelled parts were never delivered
            raise invalid("stallOrderId", "PART_NOT_DELIVERED")
    scope = scope_of(order.id, part)
    if await Complaint.exists(scope=scope):
        raise DomainError(ErrorCode.ALREADY_EXISTS, field="stallOrderId" if part else "orderId",
                          message_key="COMPLAINT_EXISTS")  # fmt: skip
    key = await _store_photo(photo, order.id, storage, settings) if photo is not None else None
    async with in_transaction():
        order = await lock_order(order.id)
        try:  # a racing duplicate: the unique scope refuses it, and the whole transaction is rolled back
            complaint = await Complaint.create(
                scope=scope, order_id=order.id, stall_order_id=part.id if part else None,
                market_id=order.market_id, buyer_id=actor.id, reason=cleaned, photo_key=key,
            )  # fmt: skip
        except IntegrityError as exc:
            raise DomainError(ErrorCode.ALREADY_EXISTS, field="stallOrderId" if part else "orderId",
                              message_key="COMPLAINT_EXISTS") from exc  # fmt: skip
        await orders_service.record_event(
            order, "COMPLAINT_OPENED", actor, cleaned, part=part, extra={"complaint_id": complaint.id}
        )
    return complaint


async def _store_photo(data: bytes, order_id: int, storage: Storage, settings: Settings) -> str:
    """The photo checked, upright, without metadata (GPS!), in private storage; its key."""
    photos.check_size(len(data), settings, field="photo")
    try:
        jpeg = await asyncio.to_thread(
            imaging.upright_jpeg, data, max_pixels=settings.max_image_pixels, long_edge=PHOTO_LONG_EDGE
        )
    except imaging.ImageRejected as exc:
        raise invalid("photo", exc.reason) from exc
    # Private: the buyer, the part's trader and the market's admins get a (short-lived, signed) link.
    key = f"complaints/{order_id}-{secrets.token_urlsafe(8)}.jpg"
    await storage.put(key, jpeg, content_type="image/jpeg", cache_control="private, max-age=900")
    return key

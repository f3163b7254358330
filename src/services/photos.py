"""Product photos: uploads by the product's trader, processing by a job, deletion.

A photo is PENDING from its creation until a worker takes it, PROCESSING while variants are made,
then READY or FAILED (with a reason the trader can read). Originals stay private; variants are public.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from tortoise.expressions import Q
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from src.models.accounts import User
from src.models.catalog import Product
from src.models.markets import Stall
from src.models.media import PhotoStatus, ProductPhoto
from src.services import imaging
from src.services.catalog import get_product_for_owner, lock_product
from src.services.common.errors import DomainError, ErrorCode
from src.services.common.jobs import Job
from src.services.permissions import Action, authorize, may
from src.storage import PresignedUpload, Storage, StorageError
from src.storage.base import PUBLIC_IMMUTABLE
from src.storage.keys import photo_original_key, photo_variant_key

if TYPE_CHECKING:
    from arq.connections import ArqRedis

    from src.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhotoUpload:
    photo: ProductPhoto
    upload: PresignedUpload


def sees_every_photo(viewer: User | None, *, stall_id: int, market_id: int, trader_id: int) -> bool:
    """Who sees a product's photos in every status (its own trader, and who may manage its stall); the others
    see READY photos only."""
    return may(viewer, Action.MANAGE, Stall(id=stall_id, market_id=market_id, trader_id=trader_id))


def job_id(photo_id: int) -> str:
    return f"photo:{photo_id}"


async def _owned_photo(actor: User | None, photo_id: int) -> ProductPhoto:
    photo = await ProductPhoto.get_or_none(id=photo_id).select_related("product__stall")
    if photo is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="photoId")
    authorize(actor, Action.MANAGE, photo.product.stall)
    return photo


def _check_content_type(content_type: str, *, field: str = "contentType") -> str:
    normalized = (content_type or "").strip().lower()
    if normalized not in imaging.CONTENT_TYPES:
        raise DomainError(ErrorCode.INVALID_INPUT, field=field, message_key="UNSUPPORTED_IMAGE_TYPE")
    return normalized


def check_size(byte_size: int, settings: "Settings", *, field: str) -> None:
    if byte_size <= 0:
        raise DomainError(ErrorCode.INVALID_INPUT, field=field, message_key="MUST_BE_POSITIVE")
    if byte_size > settings.max_photo_bytes:
        megabytes = settings.max_photo_bytes // (1024 * 1024)
        raise DomainError(ErrorCode.INVALID_INPUT, field=field, message_key="PHOTO_TOO_BIG", megabytes=megabytes)


async def _new_photo(product: Product, *, content_type: str, byte_size: int, settings: "Settings") -> ProductPhoto:
    """A PENDING photo row, refused beyond the per-product limit (counted under a row lock)."""
    async with in_transaction():
        # Lock the product row so two uploads at once cannot both take the last free place.
        await lock_product(product.id)
        count = await ProductPhoto.filter(product_id=product.id).count()
        if count >= settings.max_photos_per_product:
            raise DomainError(ErrorCode.TOO_MANY_PHOTOS, field="productId", max=settings.max_photos_per_product)
        photo = await ProductPhoto.create(
            product=product, content_type=content_type, byte_size=byte_size, original_key="", position=count
        )
        photo.original_key = photo_original_key(product_id=product.id, photo_id=photo.id)
        await photo.save(update_fields=["original_key"])
    return photo


async def request_photo_upload(
    *, actor: User | None, product_id: int, content_type: str, byte_size: int, storage: Storage, settings: "Settings"
) -> PhotoUpload:
    """A place to upload one photo straight to storage, limited to the declared type and size."""
    product = await get_product_for_owner(actor=actor, product_id=product_id, field="productId")
    normalized = _check_content_type(content_type)
    check_size(byte_size, settings, field="byteSize")
    photo = await _new_photo(product, content_type=normalized, byte_size=byte_size, settings=settings)
    try:
        upload = await storage.presigned_upload(
            photo.original_key,
            content_type=normalized,
            max_bytes=byte_size,
            expires_in=settings.s3_presign_expiry_seconds,
        )
    except StorageError as exc:
        await photo.delete()
        raise DomainError(ErrorCode.SERVICE_UNAVAILABLE) from exc
    return PhotoUpload(photo=photo, upload=upload)


async def complete_photo_upload(
    *, actor: User | None, photo_id: int, storage: Storage, queue: "ArqRedis"
) -> ProductPhoto:
    """The trader says the direct upload is done: check it arrived within its size, then queue processing."""
    photo = await _owned_photo(actor, photo_id)
    if photo.status != PhotoStatus.PENDING:
        return photo  # completing twice is harmless
    try:
        size = await storage.size(photo.original_key)
    except StorageError as exc:
        raise DomainError(ErrorCode.SERVICE_UNAVAILABLE) from exc
    if size is None:
        raise DomainError(ErrorCode.UPLOAD_MISSING, field="photoId")
    if size > photo.byte_size:
        await _fail(photo, "PHOTO_TOO_BIG", storage=storage)
        return photo
    await _enqueue(queue, photo.id)
    return photo


async def upload_product_photo(
    *,
    actor: User | None,
    product_id: int,
    data: bytes,
    storage: Storage,
    queue: "ArqRedis",
    settings: "Settings",
) -> ProductPhoto:
    """A photo sent through the API (GraphQL multipart): stored as the original, then queued."""
    product = await get_product_for_owner(actor=actor, product_id=product_id, field="productId")
    check_size(len(data), settings, field="file")
    detected = imaging.sniff_format(data)
    if detected is None:
        raise DomainError(ErrorCode.INVALID_INPUT, field="file", message_key="UNSUPPORTED_IMAGE_TYPE")
    content_type = next(t for t, f in imaging.CONTENT_TYPES.items() if f == detected)
    photo = await _new_photo(product, content_type=content_type, byte_size=len(data), settings=settings)
    try:
        await storage.put(photo.original_key, data, content_type=content_type)
    except StorageError as exc:
        await photo.delete()
        raise DomainError(ErrorCode.SERVICE_UNAVAILABLE) from exc
    await _enqueue(queue, photo.id)
    return photo


async def _enqueue(queue: "ArqRedis", photo_id: int) -> None:
    from src.services.common import queue as queue_service

    # From here on the original is complete: the sweep may queue the photo again if this hand-over is lost.
    await ProductPhoto.filter(id=photo_id).update(queued_at=now())
    try:
        await queue_service.enqueue(queue, Job.PROCESS_PRODUCT_PHOTO, photo_id, job_id=job_id(photo_id))
    except DomainError:
        # Redis is down: the photo stays PENDING and the worker's sweep queues it once Redis is back.
        log.warning("photo %s left PENDING for the sweep", photo_id)


async def delete_photo(*, actor: User | None, photo_id: int, storage: Storage) -> ProductPhoto:
    """Remove a photo, then (best effort) its original and variants: the row goes first, so no URL
    ever points at a deleted object, and a job still running finds no row to finish."""
    photo = await _owned_photo(actor, photo_id)
    await photo.delete()
    try:
        await _delete_objects(photo, storage)
    except DomainError:
        log.warning("photo %s deleted; some of its objects stay in storage", photo_id)
    return photo


async def _delete_objects(photo: ProductPhoto, storage: Storage, *, original: bool = True) -> None:
    keys = [
        photo_variant_key(product_id=photo.product_id, photo_id=photo.id, size=size, fmt=fmt)
        for size in imaging.SIZES
        for fmt in imaging.FORMATS
    ]
    if original and photo.original_key:
        keys.append(photo.original_key)
    try:
        await asyncio.gather(*(storage.delete(key) for key in keys))
    except StorageError as exc:
        raise DomainError(ErrorCode.SERVICE_UNAVAILABLE) from exc


async def _fail(photo: ProductPhoto, reason: str, *, storage: Storage) -> None:
    """FAILED with a reason; nothing of it stays in storage but (for transient faults) the original."""
    keep_original = reason == "STORAGE_UNAVAILABLE"
    try:
        await _delete_objects(photo, storage, original=not keep_original)
    except DomainError:
        log.warning("could not clean up photo %s after failure %s", photo.id, reason)
    await ProductPhoto.filter(id=photo.id).update(
        status=PhotoStatus.FAILED, failure_reason=reason, variants={}, updated_at=now()
    )


class TransientPhotoError(Exception):
    """Storage could not be reached; the job should try again later."""


async def process(*, photo_id: int, storage: Storage, settings: "Settings", last_try: bool) -> PhotoStatus | None:
    """Make and store every variant of a photo. Idempotent: a READY or FAILED photo is left as it is."""
    photo = await ProductPhoto.get_or_none(id=photo_id)
    if photo is None or photo.status in (PhotoStatus.READY, PhotoStatus.FAILED):
        return photo.status if photo else None
    await ProductPhoto.filter(id=photo.id).update(status=PhotoStatus.PROCESSING, updated_at=now())
    try:
        original = await storage.get(photo.original_key)
    except StorageError as exc:
        if not await storage_has_original(storage, photo):
            await _fail(photo, "UPLOAD_MISSING", storage=storage)
            return PhotoStatus.FAILED
        return await _transient(photo, storage, last_try, exc)
    if len(original.data) > settings.max_photo_bytes:
        await _fail(photo, "PHOTO_TOO_BIG", storage=storage)
        return PhotoStatus.FAILED
    try:
        processed = await asyncio.to_thread(imaging.process, original.data, max_pixels=settings.max_image_pixels)
    except imaging.ImageRejected as rejected:
        await _fail(photo, rejected.reason, storage=storage)
        return PhotoStatus.FAILED
    variants: dict[str, str] = {}
    try:
        for variant in processed.variants:
            key = photo_variant_key(
                product_id=photo.product_id, photo_id=photo.id, size=variant.size, fmt=variant.format
            )
            await storage.put(
                key, variant.data, content_type=variant.content_type, cache_control=PUBLIC_IMMUTABLE, public=True
            )
            variants[f"{variant.size}.{variant.format}"] = key
    except StorageError as exc:
        return await _transient(photo, storage, last_try, exc)
    # Only now does the photo point at its variants: until every one is stored, none is visible.
    updated = await ProductPhoto.filter(id=photo.id, status=PhotoStatus.PROCESSING).update(
        status=PhotoStatus.READY,
        variants=variants,
        width=processed.width,
        height=processed.height,
        failure_reason=None,
        updated_at=now(),
    )
    if not updated:  # deleted (or failed by the sweep) meanwhile: take back what this run wrote
        await asyncio.gather(*(storage.delete(key) for key in variants.values()), return_exceptions=True)
        return None
    return PhotoStatus.READY


async def storage_has_original(storage: Storage, photo: ProductPhoto) -> bool:
    try:
        return await storage.exists(photo.original_key)
    except StorageError:
        return True  # unknown: treat it as a transient fault


async def _transient(photo: ProductPhoto, storage: Storage, last_try: bool, exc: Exception) -> PhotoStatus:
    if last_try:
        await _fail(photo, "STORAGE_UNAVAILABLE", storage=storage)
        return PhotoStatus.FAILED
    await ProductPhoto.filter(id=photo.id).update(status=PhotoStatus.PENDING, updated_at=now())
    raise TransientPhotoError(str(exc)) from exc


async def fail_photo(*, photo_id: int, reason: str, storage: Storage) -> None:
    """A photo whose job broke on a fault nobody expected: FAILED with a reason, unless final already."""
    photo = await ProductPhoto.get_or_none(id=photo_id)
    if photo is not None and photo.status not in (PhotoStatus.READY, PhotoStatus.FAILED):
        await _fail(photo, reason, storage=storage)


async def fail_stuck_photos(*, older_than: timedelta, storage: Storage) -> int:
    """PROCESSING for far longer than any run takes: the worker died on every try. Say so."""
    stuck = await ProductPhoto.filter(status=PhotoStatus.PROCESSING, updated_at__lt=now() - older_than).limit(100)
    for photo in stuck:
        await _fail(photo, "PROCESSING_FAILED", storage=storage)
    return len(stuck)


async def waiting_photo_ids(*, older_than: timedelta, limit: int = 500) -> list[int]:
    """Photos waiting longer than they should (their job was lost while Redis was down)."""
    cutoff = now() - older_than
    # PENDING: the hand-over to the queue was lost. PROCESSING for a while: the worker died mid-job.
    waiting = Q(status=PhotoStatus.PENDING, queued_at__lt=cutoff) | Q(
        status=PhotoStatus.PROCESSING, updated_at__lt=cutoff
    )
    rows = await ProductPhoto.filter(waiting).order_by("id").limit(limit).values("id")
    return [int(row["id"]) for row in rows]


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

"""The dynamic QRIS of an order as a PNG a buyer can scan off a screen or print, kept in private storage.

Drawn by segno (error correction M, as QRIS stickers use, with the standard four-module quiet zone) the
first time someone asks for it, and again only when the payload changes (a new amount): the key is the
payload's hash, so two processes drawing it at once write the same object.
"""

import asyncio
import hashlib
import io

import segno

from src.models.payments import Payment
from src.storage import Storage

SCALE = 8  # pixels per module: a QRIS of ~150 characters is 45 modules, 424 px with its quiet zone


def draw(payload: str) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(payload, error="m").save(buffer, kind="png", scale=SCALE, border=4)
    return buffer.getvalue()


def image_key(payload: str) -> str:
    return f"qris/{hashlib.sha256(payload.encode()).hexdigest()[:40]}.png"


async def qris_image_url(payment: Payment, storage: Storage) -> str | None:
    """A signed link (15 minutes) to the payment's QR image, drawn and stored when it is not yet."""
    if payment.qris_payload is None:
        return None
    key = image_key(payment.qris_payload)
    if payment.qris_image_key != key:
        png = await asyncio.to_thread(draw, payment.qris_payload)
        await storage.put(key, png, content_type="image/png", cache_control="private, max-age=900")
        await Payment.filter(id=payment.id, qris_payload=payment.qris_payload).update(qris_image_key=key)
        payment.qris_image_key = key
    return storage.private_url(key, expires_in=900)

"""Both storage backends against real stores: a folder, and SeaweedFS speaking S3."""

from pathlib import Path

import httpx
import pytest

from src.settings import Settings
from src.storage import StorageError, build_storage
from src.storage.base import PUBLIC_IMMUTABLE
from src.storage.keys import photo_variant_key, validate_key
from src.storage.local import LocalStorage
from src.storage.s3 import S3Storage


@pytest.fixture
async def s3(s3_settings: Settings) -> S3Storage:
    storage = build_storage(s3_settings)
    assert isinstance(storage, S3Storage)
    await storage.ensure_bucket()
    return storage


async def test_local_roundtrip(tmp_path: Path) -> None:
    storage = LocalStorage(
        root=tmp_path, base_url="http://testserver/media", upload_url="http://t/uploads", secret=b"s"
    )
    key = photo_variant_key(product_id=1, photo_id=2, size="THUMB", fmt="WEBP")
    await storage.put(key, b"bytes", content_type="image/webp", cache_control=PUBLIC_IMMUTABLE, public=True)

    assert await storage.exists(key)
    stored = await storage.get(key)
    assert (stored.data, stored.content_type) == (b"bytes", "image/webp")
    assert storage.public_url(key) == "http://testserver/media/photos/products/1/2/thumb.webp"

    await storage.delete(key)
    assert not await storage.exists(key)
    with pytest.raises(StorageError):
        await storage.get(key)


@pytest.mark.parametrize("key", ["", "/etc/passwd", "a/../../b", "a b", "a\\b"])
def test_keys_that_could_escape_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        validate_key(key)


async def test_media_serves_public_objects_only(http: httpx.AsyncClient, settings: Settings) -> None:
    storage = build_storage(settings)
    await storage.put(
        "photos/x/thumb.jpg", b"jpeg", content_type="image/jpeg", cache_control=PUBLIC_IMMUTABLE, public=True
    )
    await storage.put("originals/x/1", b"raw", content_type="image/jpeg")

    public = await http.get("/media/photos/x/thumb.jpg")
    assert public.status_code == 200
    assert public.content == b"jpeg"
    assert public.headers["cache-control"] == PUBLIC_IMMUTABLE
    assert public.headers["content-type"] == "image/jpeg"

    assert (await http.get("/media/originals/x/1")).status_code == 404
    assert (await http.get("/media/..%2F..%2Fetc/passwd")).status_code == 404


async def test_private_objects_are_served_through_signed_links_only(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    storage = build_storage(settings)
    await storage.put("proofs/7-abc.jpg", b"proof", content_type="image/jpeg")
    link = storage.private_url("proofs/7-abc.jpg", expires_in=60).removeprefix("http://testserver")
    assert (await http.get(link)).content == b"proof"
    assert (await http.get("/media/proofs/7-abc.jpg")).status_code == 404
    assert (await http.get(link.replace("proofs/7-abc", "proofs/8-abc"))).status_code == 404  # for one key only
    expired = storage.private_url("proofs/7-abc.jpg", expires_in=-1).removeprefix("http://testserver")
    assert (await http.get(expired)).status_code == 404


async def test_s3_private_objects_need_a_presigned_link(s3: S3Storage) -> None:
    await s3.put("proofs/9-xyz.jpg", b"proof", content_type="image/jpeg")
    async with httpx.AsyncClient() as client:
        assert (await client.get(s3.private_url("proofs/9-xyz.jpg", expires_in=60))).content == b"proof"
        assert (await client.get(f"{s3.public_base_url}/proofs/9-xyz.jpg")).status_code in (401, 403)


async def test_s3_roundtrip_with_cache_headers(s3: S3Storage) -> None:
    key = "photos/products/1/1/small.jpg"
    await s3.put(key, b"\xff\xd8jpeg", content_type="image/jpeg", cache_control=PUBLIC_IMMUTABLE, public=True)

    assert await s3.exists(key)
    stored = await s3.get(key)
    assert (stored.data, stored.content_type) == (b"\xff\xd8jpeg", "image/jpeg")
    head = s3.client.head_object(Bucket=s3.bucket, Key=key)
    assert head["CacheControl"] == PUBLIC_IMMUTABLE

    await s3.delete(key)
    assert not await s3.exists(key)
    await s3.check()


async def test_s3_presigned_post_enforces_type_and_size(s3: S3Storage) -> None:
    key = "originals/products/1/7"
    upload = await s3.presigned_upload(key, content_type="image/png", max_bytes=1000)
    assert upload.method == "POST"

    async with httpx.AsyncClient() as client:
        too_big = await client.post(upload.url, data=upload.fields, files={"file": ("a.png", b"x" * 2000, "image/png")})
        assert too_big.status_code in (400, 403)
        assert not await s3.exists(key)

        wrong_type = dict(upload.fields, **{"Content-Type": "text/html"})
        refused = await client.post(upload.url, data=wrong_type, files={"file": ("a.png", b"x" * 10, "text/html")})
        assert refused.status_code in (400, 403)
        assert not await s3.exists(key)

        ok = await client.post(upload.url, data=upload.fields, files={"file": ("a.png", b"x" * 500, "image/png")})
        assert ok.status_code in (200, 201, 204), ok.text
    assert (await s3.get(key)).data == b"x" * 500


async def test_s3_check_fails_when_the_server_is_unreachable(s3_settings: Settings) -> None:
    storage = build_storage(s3_settings.model_copy(update={"s3_endpoint_url": "http://127.0.0.1:1"}))
    with pytest.raises(StorageError):
        await storage.check()

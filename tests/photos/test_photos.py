"""Product photos end to end, on local storage and on a real S3 server: upload, process, fetch, refuse."""

import asyncio
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq import Retry
from PIL import Image
from pydantic import SecretStr
from strawberry.relay import to_base64
from tortoise.timezone import now

from src.app import create_app
from src.jobs.photos import process_product_photo, sweep_pending_photos
from src.models.accounts import Role, User
from src.models.catalog import Product
from src.models.media import PhotoStatus, ProductPhoto
from src.services import photos as photos_service
from src.settings import Settings
from src.storage import build_storage
from src.storage.base import PUBLIC_IMMUTABLE
from src.storage.s3 import S3Storage
from tests.factories import make_product, make_stall, make_user, token_for
from tests.photos import images
from tests.support.s3server import ACCESS_KEY, SECRET_KEY, S3Server

PHOTO = "photo { id status width height failureReason }"
UPLOAD = f"""mutation($input: UploadProductPhotoInput!) {{
  uploadProductPhoto(input: $input) {{ {PHOTO} errors {{ field code message }} }} }}"""
REQUEST = f"""mutation($input: RequestPhotoUploadInput!) {{
  requestPhotoUpload(input: $input) {{ {PHOTO} upload {{ url method headers fields }} errors {{ field code }} }} }}"""
COMPLETE = f"""mutation($input: CompletePhotoUploadInput!) {{
  completePhotoUpload(input: $input) {{ {PHOTO} errors {{ field code }} }} }}"""
DELETE = f"mutation($input: DeletePhotoInput!) {{ deletePhoto(input: $input) {{ {PHOTO} errors {{ field code }} }} }}"
PRODUCT = """query($id: ID!) { product(id: $id) {
  thumbnail
  photos { id status width height failureReason
    lw: url(size: LARGE, format: WEBP) lj: url(size: LARGE, format: JPEG)
    mw: url(size: MEDIUM, format: WEBP) mj: url(size: MEDIUM, format: JPEG)
    sw: url(size: SMALL, format: WEBP) sj: url(size: SMALL, format: JPEG)
    tw: url(size: THUMB, format: WEBP) tj: url(size: THUMB, format: JPEG) } } }"""
VARIANTS = {"lw": 1280, "lj": 1280, "mw": 640, "mj": 640, "sw": 320, "sj": 320, "tw": 160, "tj": 160}
CATALOG = "{ products { edges { node { name thumbnail photos { status } } } } }"


@dataclass
class Backend:
    name: str
    settings: Settings
    http: httpx.AsyncClient
    product: Product
    trader: User

    def headers(self, user: User | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(user or self.trader, self.settings)}"}

    async def gql(self, query: str, variables: dict[str, Any], user: User | None = None) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers(user)
        )
        body = response.json()
        assert not body.get("errors"), body
        return dict(body["data"])

    async def upload(self, data: bytes, filename: str = "foto.jpg", user: User | None = None) -> dict[str, Any]:
        operations = {"query": UPLOAD, "variables": {"input": {"productId": self.product_id, "file": None}}}
        response = await self.http.post(
            "/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
            files={"0": (filename, data, "image/jpeg")},
            headers={**self.headers(user), "GraphQL-Preflight": "1"},
        )
        assert response.status_code == 200, response.text
        return dict(response.json()["data"]["uploadProductPhoto"])

    @property
    def product_id(self) -> str:
        return to_base64("Product", self.product.id)

    async def stored_keys(self) -> list[str]:
        storage = build_storage(self.settings)
        if isinstance(storage, S3Storage):
            listing = storage.client.list_objects_v2(Bucket=storage.bucket)
            return sorted(o["Key"] for o in listing.get("Contents", []))
        root = self.settings.media_root
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and ".meta" not in p.parts)

    async def send_direct(self, upload: dict[str, Any], data: bytes) -> httpx.Response:
        """POST the file as the presigned upload says (local storage answers inside the app)."""
        files = {"file": ("foto.jpg", data, upload["fields"].get("Content-Type", "image/jpeg"))}
        if upload["url"].startswith("http://testserver/"):
            return await self.http.post(
                upload["url"].removeprefix("http://testserver"), data=upload["fields"], files=files
            )
        async with httpx.AsyncClient() as client:
            return await client.post(upload["url"], data=upload["fields"], files=files)

    async def fetch(self, url: str) -> httpx.Response:
        if url.startswith("http://testserver/"):
            return await self.http.get(url.removeprefix("http://testserver"))
        async with httpx.AsyncClient() as client:
            return await client.get(url)


@pytest.fixture(params=["local", "s3"])
async def backend(
    request: pytest.FixtureRequest, clean_db: None, settings: Settings, tmp_path: Path
) -> AsyncIterator[Backend]:
    configured = settings.model_copy(update={"media_root": tmp_path / "media", "max_photo_bytes": 2 * 1024 * 1024})
    if request.param == "s3":
        server: S3Server = request.getfixturevalue("s3_server")
        configured = configured.model_copy(
            update={
                "storage_backend": "s3",
                "s3_endpoint_url": server.endpoint_url,
                "s3_bucket": f"photos-{tmp_path.name[-20:].lower().replace('_', '-')}",
                "s3_access_key": SecretStr(ACCESS_KEY),
                "s3_secret_key": SecretStr(SECRET_KEY),
                # A private bucket: variant URLs are presigned GETs the test can fetch.
                "s3_public_variants": False,
            }
        )
        storage = build_storage(configured)
        assert isinstance(storage, S3Storage)
        await storage.ensure_bucket()
    app = create_app(configured, manage_orm=False)
    stall = await make_stall()
    product = await make_product(stall)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            yield Backend(request.param, configured, http, product, await stall.trader)


async def _process(backend: Backend, run_jobs: Any) -> None:
    worker = await run_jobs(settings=backend.settings)
    assert worker.jobs_failed == 0


async def _photos(backend: Backend) -> list[dict[str, Any]]:
    return list((await backend.gql(PRODUCT, {"id": backend.product_id}))["product"]["photos"])


async def _check_variants(backend: Backend, photo: dict[str, Any], long_edge: int) -> None:
    for alias, size in VARIANTS.items():
        response = await backend.fetch(photo[alias])
        assert response.status_code == 200, (alias, response.text[:200])
        assert response.headers["cache-control"] == PUBLIC_IMMUTABLE
        image = Image.open(io.BytesIO(response.content))
        assert image.format == ("WEBP" if alias.endswith("w") else "JPEG")
        assert max(image.size) == min(size, long_edge)  # never upscaled
        assert not image.getexif()  # no metadata at all


async def test_multipart_upload_is_processed_into_eight_variants(backend: Backend, run_jobs: Any) -> None:
    payload = await backend.upload(images.jpeg(1600, 1200))
    assert payload["errors"] == []
    assert payload["photo"]["status"] == "PENDING"

    await _process(backend, run_jobs)

    [photo] = await _photos(backend)
    assert (photo["status"], photo["width"], photo["height"]) == ("READY", 1600, 1200)
    await _check_variants(backend, photo, long_edge=1600)
    product = (await backend.gql(PRODUCT, {"id": backend.product_id}))["product"]
    assert product["thumbnail"].split("?")[0] == photo["tw"].split("?")[0]  # presigned URLs carry a time


async def test_direct_upload_then_complete(backend: Backend, run_jobs: Any) -> None:
    data = images.jpeg(900, 600)
    requested = (
        await backend.gql(
            REQUEST, {"input": {"productId": backend.product_id, "contentType": "image/jpeg", "byteSize": len(data)}}
        )
    )["requestPhotoUpload"]
    assert requested["errors"] == []
    upload = requested["upload"]
    assert upload["method"] == "POST"
    sent = await backend.send_direct(upload, data)
    assert sent.status_code in (200, 201, 204), sent.text

    completed = (await backend.gql(COMPLETE, {"input": {"photoId": requested["photo"]["id"]}}))["completePhotoUpload"]
    assert completed["errors"] == []
    await _process(backend, run_jobs)
    [photo] = await _photos(backend)
    assert photo["status"] == "READY"
    await _check_variants(backend, photo, long_edge=900)


async def test_geotagged_rotated_phone_photo_comes_out_upright_and_clean(backend: Backend, run_jobs: Any) -> None:
    # Stored landscape 1600 × 1200 with "rotate 90°" in EXIF: the phone was held upright.
    await backend.upload(images.jpeg(1600, 1200, orientation=6, gps=True))
    await _process(backend, run_jobs)
    [photo] = await _photos(backend)
    assert (photo["width"], photo["height"]) == (1200, 1600)
    response = await backend.fetch(photo["lj"])
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (960, 1280)  # portrait
    assert not image.getexif() and "exif" not in image.info
    # The left half was red; after the 90° turn the red half is on top.
    assert image.getpixel((480, 100))[0] > 150 and image.getpixel((480, 1180))[2] > 150


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (images.png_bomb(), "IMAGE_TOO_LARGE"),
        (images.truncated_jpeg(), "DAMAGED_IMAGE"),
    ],
)
async def test_bad_images_fail_with_a_reason_and_leave_nothing(
    backend: Backend, run_jobs: Any, data: bytes, reason: str
) -> None:
    # The bomb's pixel data is garbage: refusing it as too large proves it was never decoded.
    assert (await backend.upload(data))["errors"] == []
    await _process(backend, run_jobs)
    stored = await ProductPhoto.get(product_id=backend.product.id)
    assert (stored.status, stored.failure_reason, stored.variants) == (PhotoStatus.FAILED, reason, {})
    assert await backend.stored_keys() == []
    [photo] = await _photos(backend)  # the trader sees it failed, and why
    assert photo["failureReason"]


async def test_a_pdf_named_jpg_is_refused(backend: Backend, run_jobs: Any) -> None:
    refused = await backend.upload(images.PDF, filename="harga.jpg")
    assert refused["photo"] is None
    assert refused["errors"] == [
        {"field": "input.file", "code": "INVALID_INPUT", "message": refused["errors"][0]["message"]}
    ]
    assert await ProductPhoto.all().count() == 0
    assert await backend.stored_keys() == []


async def test_a_pdf_sent_directly_as_a_jpeg_fails_in_the_job(backend: Backend, run_jobs: Any) -> None:
    storage = build_storage(backend.settings)
    photo = await photos_service.request_photo_upload(
        actor=backend.trader,
        product_id=backend.product.id,
        content_type="image/jpeg",
        byte_size=len(images.PDF),
        storage=storage,
        settings=backend.settings,
    )
    await storage.put(photo.photo.original_key, images.PDF, content_type="image/jpeg")
    await backend.gql(COMPLETE, {"input": {"photoId": to_base64("ProductPhoto", photo.photo.id)}})
    await _process(backend, run_jobs)
    stored = await ProductPhoto.get(id=photo.photo.id)
    assert (stored.status, stored.failure_reason) == (PhotoStatus.FAILED, "NOT_AN_IMAGE")
    assert await backend.stored_keys() == []


async def test_oversized_uploads_are_refused_both_ways(backend: Backend) -> None:
    too_big = b"\xff\xd8\xff" + b"\0" * (backend.settings.max_photo_bytes + 10)
    refused = await backend.upload(too_big)
    assert refused["errors"][0]["code"] == "INVALID_INPUT" and refused["errors"][0]["field"] == "input.file"

    declared = {"productId": backend.product_id, "contentType": "image/jpeg", "byteSize": len(too_big)}
    payload = (await backend.gql(REQUEST, {"input": declared}))["requestPhotoUpload"]
    assert payload["errors"] == [{"field": "input.byteSize", "code": "INVALID_INPUT"}]

    # Declared small, sent big: the storage refuses the body, so completing finds nothing.
    small = {"productId": backend.product_id, "contentType": "image/jpeg", "byteSize": 1000}
    requested = (await backend.gql(REQUEST, {"input": small}))["requestPhotoUpload"]
    upload = requested["upload"]
    sent = await backend.send_direct(upload, b"x" * 5000)
    assert sent.status_code in (400, 403)
    completed = (await backend.gql(COMPLETE, {"input": {"photoId": requested["photo"]["id"]}}))["completePhotoUpload"]
    assert completed["errors"] == [{"field": "input.photoId", "code": "UPLOAD_MISSING"}]
    assert await backend.stored_keys() == []


async def test_only_the_products_trader_may_touch_its_photos(backend: Backend, run_jobs: Any) -> None:
    uploaded = await backend.upload(images.jpeg(400, 300))
    photo_id = uploaded["photo"]["id"]
    other_trader = await make_user(Role.TRADER)
    await make_stall(trader=other_trader)
    for outsider in (other_trader, await make_user(Role.BUYER), await make_user(Role.MARKET_ADMIN)):
        assert (await backend.upload(images.jpeg(400, 300), user=outsider))["errors"][0]["code"] == "PERMISSION_DENIED"
        request = {"productId": backend.product_id, "contentType": "image/jpeg", "byteSize": 100}
        payload = (await backend.gql(REQUEST, {"input": request}, user=outsider))["requestPhotoUpload"]
        assert payload["errors"][0]["code"] == "PERMISSION_DENIED"
        for document, name in ((COMPLETE, "completePhotoUpload"), (DELETE, "deletePhoto")):
            payload = (await backend.gql(document, {"input": {"photoId": photo_id}}, user=outsider))[name]
            assert payload["errors"][0]["code"] == "PERMISSION_DENIED", (outsider.role, name)
    assert await ProductPhoto.all().count() == 1

    deleted = (await backend.gql(DELETE, {"input": {"photoId": photo_id}}))["deletePhoto"]
    assert deleted["errors"] == []
    assert await ProductPhoto.all().count() == 0
    assert await backend.stored_keys() == []


async def test_processing_twice_is_harmless_and_deleting_removes_everything(backend: Backend, run_jobs: Any) -> None:
    await backend.upload(images.jpeg(700, 500))
    await _process(backend, run_jobs)
    keys = await backend.stored_keys()
    assert len(keys) == 9  # the original and 8 variants
    photo = await ProductPhoto.get(product_id=backend.product.id)
    ctx = {"storage": build_storage(backend.settings), "settings": backend.settings, "job_try": 1}
    ctx["photo_slots"] = asyncio.Semaphore(1)
    assert await process_product_photo(ctx, photo.id) == "READY"
    assert await backend.stored_keys() == keys
    assert (await ProductPhoto.get(id=photo.id)).variants == photo.variants

    deleted = (await backend.gql(DELETE, {"input": {"photoId": to_base64("ProductPhoto", photo.id)}}))["deletePhoto"]
    assert deleted["errors"] == []
    assert await backend.stored_keys() == []


async def test_catalog_shows_ready_photos_and_the_thumbnail(backend: Backend, run_jobs: Any) -> None:
    await backend.upload(images.png_with_alpha())
    listed = (await backend.gql(CATALOG, {}))["products"]["edges"][0]["node"]
    assert listed["thumbnail"] is None and listed["photos"] == []  # still PENDING
    await _process(backend, run_jobs)
    listed = (await backend.gql(CATALOG, {}))["products"]["edges"][0]["node"]
    assert listed["photos"] == [{"status": "READY"}]
    assert (await backend.fetch(listed["thumbnail"])).status_code == 200


async def test_at_most_eight_photos_a_product(backend: Backend) -> None:
    small = images.jpeg(64, 48)
    for _ in range(8):
        assert (await backend.upload(small))["errors"] == []
    ninth = await backend.upload(small)
    assert ninth["errors"][0]["code"] == "TOO_MANY_PHOTOS"
    assert await ProductPhoto.filter(product_id=backend.product.id).count() == 8


async def test_multipart_without_a_preflight_header_is_refused(backend: Backend) -> None:
    operations = {"query": UPLOAD, "variables": {"input": {"productId": backend.product_id, "file": None}}}
    response = await backend.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": ("foto.jpg", images.jpeg(64, 48), "image/jpeg")},
        headers=backend.headers(),
    )
    assert response.status_code == 400
    assert "preflight" in response.text.lower()
    assert await ProductPhoto.all().count() == 0


async def test_storage_outage_retries_then_fails(backend: Backend) -> None:
    await backend.upload(images.jpeg(64, 48))
    photo = await ProductPhoto.get(product_id=backend.product.id)
    down = backend.settings.model_copy(
        update={"storage_backend": "s3", "s3_endpoint_url": "http://127.0.0.1:1", "s3_bucket": "gone"}
    )
    storage = build_storage(down)
    with pytest.raises(photos_service.TransientPhotoError):
        await photos_service.process(photo_id=photo.id, storage=storage, settings=down, last_try=False)
    assert (await ProductPhoto.get(id=photo.id)).status == PhotoStatus.PENDING

    ctx = {"storage": storage, "settings": down, "job_try": 2, "photo_slots": asyncio.Semaphore(1)}
    with pytest.raises(Retry):
        await process_product_photo(ctx, photo.id)
    ctx["job_try"] = 5  # the last try
    assert await process_product_photo(ctx, photo.id) == "FAILED"
    stored = await ProductPhoto.get(id=photo.id)
    assert (stored.status, stored.failure_reason, stored.variants) == (PhotoStatus.FAILED, "STORAGE_UNAVAILABLE", {})


async def test_the_sweep_queues_photos_whose_job_was_lost(backend: Backend, run_jobs: Any, redis: Any) -> None:
    await backend.upload(images.jpeg(64, 48))
    await redis.flushdb()  # the hand-over to the queue is lost
    await ProductPhoto.all().update(queued_at=now() - timedelta(minutes=20))

    app_queue = backend.http._transport.app.state.resources.queue  # type: ignore[attr-defined]
    ctx = {"redis": app_queue, "storage": build_storage(backend.settings)}
    assert await sweep_pending_photos(ctx) == 1
    assert await sweep_pending_photos(ctx) == 0  # queued once, whatever the number of sweeps
    await _process(backend, run_jobs)
    assert (await ProductPhoto.get(product_id=backend.product.id)).status == PhotoStatus.READY


async def test_the_sweep_requeues_a_photo_whose_worker_died_and_gives_up_eventually(
    backend: Backend, run_jobs: Any
) -> None:
    await backend.upload(images.jpeg(64, 48))
    await _process(backend, run_jobs)
    photo = await ProductPhoto.get(product_id=backend.product.id)
    storage = build_storage(backend.settings)
    app_queue = backend.http._transport.app.state.resources.queue  # type: ignore[attr-defined]
    ctx = {"redis": app_queue, "storage": storage}

    # A worker killed mid-job leaves the photo PROCESSING: after a while the sweep queues it again.
    await ProductPhoto.filter(id=photo.id).update(
        status=PhotoStatus.PROCESSING, updated_at=now() - timedelta(minutes=20)
    )
    assert await sweep_pending_photos(ctx) == 1
    await _process(backend, run_jobs)
    assert (await ProductPhoto.get(id=photo.id)).status == PhotoStatus.READY

    # Stuck for hours (every try died): FAILED with a reason, and nothing left in storage.
    await ProductPhoto.filter(id=photo.id).update(status=PhotoStatus.PROCESSING, updated_at=now() - timedelta(hours=3))
    await sweep_pending_photos(ctx)
    stuck = await ProductPhoto.get(id=photo.id)
    assert (stuck.status, stuck.failure_reason) == (PhotoStatus.FAILED, "PROCESSING_FAILED")
    assert await backend.stored_keys() == []


async def test_a_photo_deleted_while_processing_leaves_nothing(backend: Backend) -> None:
    await backend.upload(images.jpeg(300, 200))
    photo = await ProductPhoto.get(product_id=backend.product.id)
    storage = build_storage(backend.settings)

    class DeletesMidway:
        """Storage that lets the trader delete the photo while its variants are being written."""

        def __init__(self) -> None:
            self.deleted = False

        def __getattr__(self, name: str) -> Any:
            return getattr(storage, name)

        async def put(self, key: str, data: bytes, **options: Any) -> None:
            await storage.put(key, data, **options)
            if not self.deleted and key.startswith("photos/"):
                self.deleted = True
                await backend.gql(DELETE, {"input": {"photoId": to_base64("ProductPhoto", photo.id)}})

    result = await photos_service.process(
        photo_id=photo.id,
        storage=DeletesMidway(),
        settings=backend.settings,
        last_try=False,  # type: ignore[arg-type]
    )
    assert result is None
    assert not await ProductPhoto.exists(id=photo.id)
    assert await backend.stored_keys() == []

"""Faults made to happen: PostgreSQL restarted under a running API process, S3 stopping in the middle of a
photo job."""

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from src.jobs.queue import create_queue
from src.models.accounts import Role
from src.models.media import PhotoStatus, ProductPhoto
from src.services import photos as photos_service
from src.settings import Settings
from src.storage.s3 import S3Storage
from tests.factories import make_product, make_stall, make_user
from tests.photos import images
from tests.support.private_pg import PrivatePostgres, private_postgres
from tests.support.processes import free_port, pasar_env, start_api, start_pasar
from tests.support.s3server import ACCESS_KEY, S3Server, start_s3_server
from tests.support.s3server import SECRET_KEY as S3_SECRET

SECRET = "fault-test-secret-key-that-is-long-enough-0123456789"
MARKETS = "{ markets(first: 5) { edges { node { name } } } }"
PRODUCTS = "{ products(first: 5) { edges { node { name } } } }"  # answered by the catalog fast path
REGISTER = """mutation($phone: String!) { register(input: {phone: $phone, password: "kopi-tubruk-malang-2026",
  name: "Bu Tini"}) { user { phone } errors { code } } }"""


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


def _post(port: int, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{port}/graphql", json={"query": query, "variables": variables or {}}, timeout=10
    )


def test_postgres_restarted_under_the_api(postgres: PrivatePostgres, settings: Settings, tmp_path: Path) -> None:
    """While PostgreSQL is down, requests fail cleanly (a masked error with a code, /readyz 503 naming
    the database); once it is back, the same API process answers again, with no restart."""
    env = pasar_env(
        settings, DATABASE_URL=postgres.url, SECRET_KEY=SECRET, ENVIRONMENT="production",
        MEDIA_ROOT=str(tmp_path / "media"),
    )  # fmt: skip
    assert start_pasar("migrate", env=env, log=tmp_path / "migrate.log").wait(timeout=120) == 0
    assert start_pasar("seed", env=env, log=tmp_path / "seed.log").wait(timeout=120) == 0
    port = free_port()
    api = start_api(port, env=env, log=tmp_path / "api.log")
    try:
        before = _post(port, MARKETS).json()
        assert before["data"]["markets"]["edges"], before

        postgres.stop()
        during = _post(port, MARKETS)
        assert during.status_code == 200
        error = during.json()["errors"][0]
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE", error
        assert "Traceback" not in during.text and "asyncpg" not in during.text
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        assert ready.status_code == 503 and "database" in ready.text
        catalog = _post(port, PRODUCTS)
        assert catalog.status_code == 200 and catalog.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        refused = _post(port, REGISTER, {"phone": "0812-7777-0001"}).json()
        assert refused["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"

        postgres.start()
        answers = []
        for _ in range(50):  # the pool notices the dead connections and opens new ones
            answers.append(_post(port, MARKETS).json())
            if "data" in answers[-1] and answers[-1]["data"]:
                break
            time.sleep(0.2)
        assert answers[-1] == before, answers[-3:]
        assert len(answers) <= 3, answers  # at most a couple of failed requests after the restart
        registered = _post(port, REGISTER, {"phone": "0812-7777-0001"}).json()
        assert registered["data"]["register"] == {"user": {"phone": "+6281277770001"}, "errors": []}
        assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200
        assert api.poll() is None  # the same process throughout
    finally:
        api.terminate()
        api.wait(timeout=15)


class DiesMidJob:
    """Storage whose server freezes, for real (SIGSTOP), after a few variants have been written."""

    def __init__(self, storage: Any, server: S3Server, after_puts: int) -> None:
        self.storage, self.server, self.left = storage, server, after_puts

    def __getattr__(self, name: str) -> Any:
        return getattr(self.storage, name)

    async def put(self, key: str, data: bytes, **kwargs: Any) -> None:
        if self.left == 0:
            self.server.process.send_signal(signal.SIGSTOP)
        self.left -= 1
        await self.storage.put(key, data, **kwargs)


def _s3(server: S3Server) -> S3Storage:
    # Short timeouts: a frozen server is noticed in seconds (the defaults are for real networks).
    return S3Storage(
        bucket="pasar-fault", endpoint_url=server.endpoint_url, access_key=ACCESS_KEY, secret_key=S3_SECRET,
        connect_timeout=1.0, read_timeout=1.0,
    )  # fmt: skip


async def test_storage_stopping_in_the_middle_of_a_photo_job(
    clean_db: None, settings: Settings, tmp_path: Path
) -> None:
    """The S3 server freezes after 3 of the 8 variants are written: the job asks to be retried and the photo
    shows none of them; once the server answers again, the retry makes the photo READY with all 8."""
    server = start_s3_server(tmp_path / "s3")
    try:
        storage = _s3(server)
        await storage.ensure_bucket()
        trader = await make_user(Role.TRADER)
        product = await make_product(await make_stall(trader=trader))
        queue = create_queue(settings)
        try:
            photo = await photos_service.upload_product_photo(
                actor=trader, product_id=product.id, data=images.jpeg(1600, 1200), storage=storage, queue=queue,
                settings=settings,
            )  # fmt: skip
        finally:
            await queue.aclose()

        with pytest.raises(photos_service.TransientPhotoError):
            await photos_service.process(
                photo_id=photo.id,
                storage=DiesMidJob(storage, server, 3),  # type: ignore[arg-type]
                settings=settings,
                last_try=False,
            )
        halfway = await ProductPhoto.get(id=photo.id)
        assert (halfway.status, halfway.variants) == (PhotoStatus.PENDING, {})  # nothing half-written is shown

        server.process.send_signal(signal.SIGCONT)  # the server answers again
        result = await photos_service.process(photo_id=photo.id, storage=storage, settings=settings, last_try=False)
        assert result == PhotoStatus.READY
        done = await ProductPhoto.get(id=photo.id)
        assert len(done.variants) == 8
        for key in done.variants.values():
            assert (await storage.get(key)).data[:3] in (b"\xff\xd8\xff", b"RIF")
    finally:
        server.process.send_signal(signal.SIGCONT)
        server.stop()

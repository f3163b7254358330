"""The job round trip: API → Redis → arq worker → database; and how jobs with a status record end."""

from datetime import timedelta
from typing import Any

import pytest
from arq import Retry
from redis.asyncio import Redis
from tortoise.timezone import now

from src.jobs import reports as report_jobs
from src.jobs.final import ends_in_final_state
from src.jobs.system import record_heartbeat
from src.models.accounts import Role
from src.models.media import PhotoStatus, ProductPhoto
from src.models.reports import ExportStatus, ReportExport
from src.services import imaging
from src.services import photos as photos_service
from src.services.common import outbox
from src.settings import Settings
from src.storage import build_storage
from tests.factories import make_product, make_stall, make_user, token_for
from tests.photos import images
from tests.support.graphql import GraphQLClient

PING = "mutation { pingWorker { heartbeat { id processed runs } errors { code message } } }"
HEARTBEAT = "query($id: ID!) { heartbeat(id: $id) { id processed runs } }"
NODE = "query($id: ID!) { node(id: $id) { __typename ... on Heartbeat { processed } } }"


@pytest.fixture(autouse=True)
async def as_admin(gql: GraphQLClient, settings: Settings) -> None:
    gql.token = token_for(await make_user(Role.MARKET_ADMIN), settings)


async def test_only_market_admins_may_ping(gql: GraphQLClient, settings: Settings) -> None:
    for role in (Role.BUYER, Role.TRADER, Role.COURIER):
        gql.token = token_for(await make_user(role), settings)
        payload = (await gql(PING))["pingWorker"]
        assert payload["heartbeat"] is None
        assert payload["errors"][0]["code"] == "PERMISSION_DENIED"
    gql.token = None
    assert (await gql(PING))["pingWorker"]["errors"][0]["code"] == "UNAUTHENTICATED"


async def test_api_job_reaches_the_worker_and_the_database(gql: GraphQLClient, run_jobs: Any) -> None:
    queued = (await gql(PING))["pingWorker"]
    assert queued["errors"] == []
    assert queued["heartbeat"]["processed"] is False

    worker = await run_jobs()

    assert worker.jobs_complete == 1 and worker.jobs_failed == 0
    done = (await gql(HEARTBEAT, {"id": queued["heartbeat"]["id"]}))["heartbeat"]
    assert done == {"id": queued["heartbeat"]["id"], "processed": True, "runs": 1}
    node = (await gql(NODE, {"id": queued["heartbeat"]["id"]}))["node"]
    assert node == {"__typename": "Heartbeat", "processed": True}


async def test_the_job_is_idempotent(gql: GraphQLClient, run_jobs: Any) -> None:
    queued = (await gql(PING))["pingWorker"]["heartbeat"]
    await run_jobs()
    heartbeat_id = int(__import__("base64").b64decode(queued["id"]).decode().split(":")[1])

    assert await record_heartbeat({}, heartbeat_id) is False  # a second run changes nothing

    done = (await gql(HEARTBEAT, {"id": queued["id"]}))["heartbeat"]
    assert done["runs"] == 1


async def test_enqueue_with_the_same_job_id_is_a_no_op(gql: GraphQLClient, redis: Redis) -> None:
    from src.services.common import queue as queue_service

    queued = (await gql(PING))["pingWorker"]["heartbeat"]
    heartbeat_id = int(__import__("base64").b64decode(queued["id"]).decode().split(":")[1])
    app_queue = gql.http._transport.app.state.resources.queue  # type: ignore[attr-defined]
    again = await queue_service.enqueue(app_queue, "record_heartbeat", heartbeat_id, job_id=f"heartbeat:{heartbeat_id}")
    assert again is False
    assert await redis.zcard("arq:queue") == 1


async def test_ping_without_redis_is_a_clear_error(gql: GraphQLClient) -> None:
    app = gql.http._transport.app  # type: ignore[attr-defined]
    from src.jobs.queue import create_queue

    resources = app.state.resources
    working = resources.queue
    resources.queue = create_queue(resources.settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    try:
        payload = (await gql(PING))["pingWorker"]
    finally:
        await resources.queue.aclose()
        resources.queue = working
    assert payload["heartbeat"] is None
    assert payload["errors"][0]["code"] == "SERVICE_UNAVAILABLE"


# ---------------------------------------------------------------------------------------------- final states


async def _export() -> ReportExport:
    admin = await make_user(Role.MARKET_ADMIN, market=None)
    today = now().date()
    return await ReportExport.create(requested_by_id=admin.id, market_id=None, date_from=today, date_to=today)


async def test_a_retry_stays_a_retry_and_the_last_try_marks_the_export_failed(settings: Settings) -> None:
    down = settings.model_copy(
        update={"storage_backend": "s3", "s3_endpoint_url": "http://127.0.0.1:1", "s3_bucket": "gone"}
    )
    export = await _export()
    ctx: dict[str, Any] = {"storage": build_storage(down), "settings": down, "job_try": 1}
    with pytest.raises(Retry):
        await report_jobs.export_market_report(ctx, export.id)
    assert (await ReportExport.get(id=export.id)).status == ExportStatus.PENDING  # tried again later
    ctx["job_try"] = report_jobs.MAX_TRIES
    assert await report_jobs.export_market_report(ctx, export.id) == "FAILED"
    failed = await ReportExport.get(id=export.id)
    assert (failed.status, failed.error) == (ExportStatus.FAILED, "EXPORT_STORAGE_UNAVAILABLE")


async def test_a_photo_job_that_crashes_unexpectedly_ends_failed(
    settings: Settings, run_jobs: Any, monkeypatch: pytest.MonkeyPatch, gql: GraphQLClient
) -> None:
    stall = await make_stall()
    product = await make_product(stall)
    queue = gql.http._transport.app.state.resources.queue  # type: ignore[attr-defined]
    photo = await photos_service.upload_product_photo(
        actor=await stall.trader, product_id=product.id, data=images.jpeg(64, 48), storage=build_storage(settings),
        queue=queue, settings=settings,
    )  # fmt: skip

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug no one planned for")

    monkeypatch.setattr(imaging, "process", broken)
    worker = await run_jobs()
    assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (1, 0, 0)
    failed = await ProductPhoto.get(id=photo.id)
    assert (failed.status, failed.failure_reason, failed.variants) == (PhotoStatus.FAILED, "PROCESSING_FAILED", {})


async def test_when_even_marking_failed_fails_the_job_tries_again() -> None:
    """The database down: the record cannot be marked yet, so the job is retried and a later try marks it."""
    marked: list[tuple[int, str]] = []
    database_up = [False]

    async def mark_failed(ctx: dict[str, Any], record_id: int, fault: BaseException) -> None:
        if not database_up[0]:
            raise ConnectionError("database down")
        marked.append((record_id, str(fault)))

    @ends_in_final_state(mark_failed, max_tries=3)
    async def job(ctx: dict[str, Any], record_id: int) -> str:
        raise ValueError("broken")

    with pytest.raises(Retry):
        await job({"job_try": 1}, 7)
    with pytest.raises(ConnectionError):  # nothing left to try: arq records the failure, the sweep the rest
        await job({"job_try": 3}, 7)
    database_up[0] = True
    assert await job({"job_try": 2}, 7) == "FAILED"
    assert marked == [(7, "broken")]


async def test_a_failed_try_hands_over_nothing_it_noted() -> None:
    """The wrapper returns FAILED instead of raising, so the worker's hand-over runs: what the failed try
    noted (its transaction rolled back) must be forgotten, while what was noted before stays."""

    async def mark_failed(ctx: dict[str, Any], record_id: int, fault: BaseException) -> None:
        return None

    @ends_in_final_state(mark_failed, max_tries=1)
    async def job(ctx: dict[str, Any], record_id: int) -> str:
        outbox.note(4242)
        outbox.touch("order:4242")
        raise RuntimeError("commit failed")

    since = outbox.mark()
    outbox.note(1)
    assert await job({"job_try": 1}, 7) == "FAILED"
    assert outbox.take_since(since) == ([1], [])


async def test_exports_whose_job_was_lost_are_failed_by_the_sweep(settings: Settings) -> None:
    lost, recent = await _export(), await _export()
    await ReportExport.filter(id=lost.id).update(created_at=now() - report_jobs.GIVE_UP_AFTER - timedelta(minutes=1))
    assert await report_jobs.sweep_stale_exports({"settings": settings}) == 1
    assert (await ReportExport.get(id=lost.id)).status == ExportStatus.FAILED
    assert (await ReportExport.get(id=lost.id)).error == "EXPORT_FAILED"
    assert (await ReportExport.get(id=recent.id)).status == ExportStatus.PENDING

"""The job round trip: API → Redis → arq worker → database."""

from typing import Any

import pytest
from redis.asyncio import Redis

from src.jobs.system import record_heartbeat
from src.models.accounts import Role
from src.settings import Settings
from tests.factories import make_user, token_for
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
    from src.services import queue as queue_service

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

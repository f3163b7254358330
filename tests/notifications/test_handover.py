"""The outbox's one hand-over: what work noted goes out after it succeeds, refused work hands over nothing,
and every job has its one name."""

from typing import Any

import strawberry

from src.jobs.worker import _hands_over, worker_options
from src.schema.errors import payload_mutation
from src.services.common import outbox
from src.services.common.errors import DomainError, ErrorCode
from src.services.common.jobs import Job
from src.settings import Settings


class Published:
    """A queue that records live signals (no outbox events are noted here, so nothing is enqueued)."""

    def __init__(self) -> None:
        self.channels: list[str] = []

    def pipeline(self, **kwargs: Any) -> "Published":
        return self

    async def __aenter__(self) -> "Published":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        return None

    def publish(self, channel: str, message: bytes) -> None:
        self.channels.append(channel)

    async def execute(self) -> None:
        return None

    async def enqueue_job(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("no event was noted, so none is handed over")


def test_what_was_noted_before_a_mark_stays_with_its_owner() -> None:
    outbox.take(), outbox.take_touched()
    outbox.note(1)
    outbox.touch("order:1")
    since = outbox.mark()
    outbox.note(2)
    outbox.touch("order:2", "order:1")
    assert outbox.take_since(since) == ([2], ["order:2"])
    assert outbox.take() == [1] and outbox.take_touched() == ["order:1"]


def test_refused_work_forgets_what_it_noted() -> None:
    since = outbox.mark()
    outbox.note(7)
    outbox.touch("courier:3")
    outbox.forget_since(since)
    assert outbox.take_since(since) == ([], [])


async def test_a_job_hands_over_after_it_returns_and_not_when_it_raises() -> None:
    async def touches(ctx: dict[str, Any], order_id: int) -> int:
        outbox.touch(f"order:{order_id}")
        return order_id

    async def refuses(ctx: dict[str, Any], order_id: int) -> int:
        outbox.touch(f"order:{order_id}")
        raise DomainError(ErrorCode.INVALID_STATE)

    queue = Published()
    assert await _hands_over(touches)({"redis": queue}, 5) == 5
    assert len(queue.channels) == 1 and queue.channels[0].endswith("order:5")
    try:
        await _hands_over(refuses)({"redis": queue}, 6)
    except DomainError:
        pass
    assert len(queue.channels) == 1
    assert outbox.take_touched() == []  # forgotten, so no later hand-over sends it either


async def test_a_refused_payload_mutation_forgets_what_it_noted() -> None:
    @strawberry.type
    class Payload:
        errors: list[str] = strawberry.field(default_factory=list)

    class Context:
        language = "id"

    class Info:
        context = Context()

    async def refused(self: Any, info: Any) -> Payload:
        outbox.note(41)
        outbox.touch("order:41")
        raise DomainError(ErrorCode.INVALID_STATE)

    refused.__annotations__["return"] = Payload
    field = payload_mutation(description="refused")(refused)
    since = outbox.mark()
    await field.base_resolver.wrapped_func(None, info=Info())
    assert outbox.take_since(since) == ([], [])


def test_every_job_the_worker_runs_is_named_by_the_enum(settings: Settings) -> None:
    options = worker_options(settings)
    names = [f.name for f in options["functions"]] + [c.name for c in options["cron_jobs"]]
    assert sorted(names) == sorted(job.value for job in Job)
    assert all(isinstance(name, Job) for name in names)

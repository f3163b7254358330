"""Operational fields: a round trip through the job queue, used to check a deployment end to end."""

from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay

from src.models.accounts import Role
from src.schema.context import Info
from src.schema.errors import UserError, payload_mutation
from src.schema.ids import db_ids, decode_id
from src.schema.permissions import current_user
from src.services import system as system_service
from src.services.common.errors import DomainError


@strawberry.type(name="Heartbeat", description="A job queued by the API and completed by a worker.")
class HeartbeatType(relay.Node):
    id: relay.NodeID[int]
    runs: int
    processed: bool

    @classmethod
    def from_view(cls, row: system_service.HeartbeatView) -> "HeartbeatType":
        return cls(id=row.id, runs=row.runs, processed=row.processed)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ids = db_ids(node_ids)
        rows = {r.id: r for r in await system_service.list_heartbeats(ids=ids)}
        return [cls.from_view(rows[i]) if i in rows else None for i in ids]


@strawberry.type
class PingWorkerPayload:
    heartbeat: HeartbeatType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SystemQuery:
    @strawberry.field(description="Any object by its global ID.")
    async def node(self, info: Info, id: relay.GlobalID) -> relay.Node | None:
        try:
            return await id.resolve_node(info, required=False)  # type: ignore[no-any-return]
        except (ValueError, KeyError):  # an ID naming no type of this schema
            return None

    @strawberry.field(description="A heartbeat created by `pingWorker`.")
    async def heartbeat(self, id: relay.GlobalID) -> HeartbeatType | None:
        try:
            heartbeat_id = decode_id(id, "Heartbeat")
        except DomainError:
            return None
        rows = await system_service.list_heartbeats(ids=[heartbeat_id])
        return HeartbeatType.from_view(rows[0]) if rows else None


@strawberry.type
class SystemMutation:
    @payload_mutation(description="Market admin: queue a heartbeat job; a worker marks it processed.")
    async def ping_worker(self, info: Info) -> PingWorkerPayload:
        await current_user(info, Role.MARKET_ADMIN)
        row = await system_service.ping_worker(queue=info.context.queue)
        return PingWorkerPayload(heartbeat=HeartbeatType.from_view(row))

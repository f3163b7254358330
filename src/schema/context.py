"""The typed per-request context every resolver receives as `info.context`."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as _Info

from src.settings import Settings
from src.storage import Storage

if TYPE_CHECKING:
    from arq.connections import ArqRedis


@dataclass
class Loaders:
    """Per-request dataloaders: made fresh for each request, so nothing is cached across users."""


@dataclass
class Context:
    """Who is asking, in which language, and the shared clients a resolver may use."""

    request: Request | WebSocket
    response: Response | WebSocket | None
    settings: Settings
    storage: Storage
    queue: "ArqRedis"
    language: str
    loaders: Loaders = field(default_factory=Loaders)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def client_address(self) -> str:
        client = self.request.client
        return client.host if client else "unknown"


Info = _Info[Context, None]

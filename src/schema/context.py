"""The typed per-request context every resolver receives as `info.context`."""

import asyncio
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as _Info

from src.schema.loaders import Loaders
from src.services import accounts as accounts_service
from src.services.catalog_queries import PublicPages
from src.services.errors import DomainError, ErrorCode
from src.settings import Settings
from src.storage import Storage

if TYPE_CHECKING:
    from arq.connections import ArqRedis

    from src.models.accounts import User
    from src.services.live import LiveHub


@dataclass
class Context:
    """Who is asking, in which language, and the shared clients a resolver may use."""

    request: Request | WebSocket
    response: Response | WebSocket | None
    settings: Settings
    storage: Storage
    queue: "ArqRedis"
    language: str
    live: "LiveHub | None" = None
    catalog_pages: PublicPages = field(default_factory=lambda: PublicPages(0))
    connection_params: dict[str, Any] | None = None  # a websocket's connection_init payload
    _user_load: "asyncio.Future[User | None] | None" = None
    auth_error: ErrorCode | None = None

    @cached_property
    def loaders(self) -> Loaders:
        """Made on first use: most catalog requests never need one."""
        return Loaders()

    def fresh_loaders(self) -> None:
        """Forget what the loaders hold: a subscription's context lives as long as its websocket, and each
        update it sends must read the current state."""
        self.__dict__.pop("loaders", None)

    @property
    def client_address(self) -> str:
        client = self.request.client
        return client.host if client else "unknown"

    def bearer_token(self) -> str | None:
        """From the Authorization header, or for a websocket from connection_init's `Authorization`
        (browsers cannot set headers on a websocket)."""
        header = self.request.headers.get("authorization", "")
        if self.connection_params and not header:
            params = {str(k).lower(): v for k, v in self.connection_params.items()}
            header = str(params.get("authorization") or "")
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    async def get_user(self) -> "User | None":
        """The user of the bearer token, loaded once per request; None (with auth_error set) when invalid.

        Root fields resolve concurrently: they all await the same load rather than racing it.
        """
        if self._user_load is None:
            self._user_load = asyncio.ensure_future(self._load_user())
        return await asyncio.shield(self._user_load)

    async def _load_user(self) -> "User | None":
        token = self.bearer_token()
        if not token:
            return None
        try:
            return await accounts_service.user_for_access_token(token, self.settings)
        except DomainError as exc:
            self.auth_error = exc.code
            return None


Info = _Info[Context, None]

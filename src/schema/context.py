"""The typed per-request context every resolver receives as `info.context`."""

import asyncio
import time
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NoReturn

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketState
from strawberry.types import Info as _Info

from src.schema.loaders import Loaders
from src.services import accounts as accounts_service
from src.services import tokens
from src.services.catalog_queries import PublicPages
from src.services.common.errors import DomainError, ErrorCode
from src.settings import Settings
from src.storage import Storage

if TYPE_CHECKING:
    from arq.connections import ArqRedis

    from src.models.accounts import User
    from src.services.common.live import LiveHub

# graphql-transport-ws close codes for a socket whose subscriber is no longer accepted.
CLOSE_UNAUTHENTICATED = 4401  # the token expired or its sessions were revoked: sign in again
CLOSE_FORBIDDEN = 4403  # the account is deactivated, or may no longer see what it subscribed to
# A websocket lives for hours: its user, loaded once, is reused only this long (HTTP: the whole request).
SOCKET_USER_SECONDS = 1.0


class SubscriberRefused(Exception):
    """A subscription over HTTP (no socket to close) whose subscriber is no longer accepted."""

    def __init__(self, code: ErrorCode) -> None:
        super().__init__(code.value)
        self.code = code


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
    _user_loaded_at: float = 0.0
    auth_error: ErrorCode | None = None

    @cached_property
    def loaders(self) -> Loaders:
        """Made on first use: most catalog requests never need one."""
        return Loaders(self.get_user, self.settings)

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

        Root fields resolve concurrently: they all await the same load rather than racing it. On a websocket
        (one context for all its operations, for hours) the load is redone once it is a second old.
        """
        stale = isinstance(self.request, WebSocket) and time.monotonic() - self._user_loaded_at > SOCKET_USER_SECONDS
        if self._user_load is None or (stale and self._user_load.done()):
            self._user_loaded_at = time.monotonic()
            self._user_load = asyncio.ensure_future(self._load_user())
        return await asyncio.shield(self._user_load)

    async def recheck_subscriber(self) -> "User":
        """An open subscription's user, checked again exactly as every HTTP request's is
        (accounts.user_for_access_token: token expired, sessions revoked, account deactivated). When the
        check fails the socket is closed (4403 for a deactivated account, else 4401) and this never returns."""
        token = self.bearer_token() or ""
        try:
            user = await accounts_service.user_for_access_token(token, self.settings)
        except DomainError:
            deactivated = await tokens.is_deactivated_users_token(token, self.settings)
            await self.close_socket(CLOSE_FORBIDDEN if deactivated else CLOSE_UNAUTHENTICATED)
        loaded: asyncio.Future[User | None] = asyncio.get_running_loop().create_future()
        loaded.set_result(user)
        self._user_load, self._user_loaded_at, self.auth_error = loaded, time.monotonic(), None
        return user

    async def close_socket(self, code: int) -> NoReturn:
        """End the websocket from inside one of its subscriptions, with a graphql-transport-ws close code.

        The protocol handler sees the close and cancels every operation of the socket, this one included:
        this waits for that rather than returning, since a `complete` sent after the close would fail.
        Over HTTP (no socket) it raises SubscriberRefused, which ends the stream with an error.
        """
        reason = ErrorCode.PERMISSION_DENIED if code == CLOSE_FORBIDDEN else ErrorCode.INVALID_TOKEN
        socket = self.response
        if not isinstance(socket, WebSocket):
            raise SubscriberRefused(reason)
        if socket.application_state == WebSocketState.CONNECTED:
            with suppress(RuntimeError):  # another subscription of the socket closed it a moment ago
                await socket.close(code=code, reason=reason.value)
        await asyncio.get_running_loop().create_future()
        raise AssertionError("unreachable: the handler cancels the operation")

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

"""HTTP guards in front of every route: body size limits and security headers."""

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-site"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class BodyTooLarge(Exception):
    pass


def _too_large(limit: int) -> tuple[int, bytes]:
    body = orjson.dumps(
        {"errors": [{"message": f"request body over {limit} bytes", "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]}
    )
    return 413, body


class GuardMiddleware:
    """Refuses bodies over the limit (multipart uploads get a larger one) before they are read whole,
    and adds security headers to every response (HSTS in production)."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_upload_body: int, production: bool) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload_body = max_upload_body
        self.headers = SECURITY_HEADERS + ([HSTS] if production else [])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        limit = self.max_upload_body if content_type.startswith("multipart/form-data") else self.max_body
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # a body without a length, or longer than it said
                    raise BodyTooLarge
            return message

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = list(message.get("headers", [])) + self.headers
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if not started:
                await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        status, body = _too_large(limit)
        length = str(len(body)).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", length), *self.headers]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

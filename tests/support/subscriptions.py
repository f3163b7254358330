"""A graphql-transport-ws client for tests: subscribe over a real websocket, read updates, see the close."""

import asyncio
import json
import time
from typing import Any

import websockets


async def subscribe(
    host: str, token: str | None, query: str, variables: dict[str, Any] | None = None, *, operation: str = "1"
) -> Any:
    """A websocket to `host` (`127.0.0.1:port`), acknowledged, with one subscription started on it."""
    socket = await websockets.connect(f"ws://{host}/graphql", subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    params = {"Authorization": f"Bearer {token}"} if token else {}
    await socket.send(json.dumps({"type": "connection_init", "payload": params}))
    assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
    await socket.send(
        json.dumps({"id": operation, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})
    )
    return socket


class Subscriber:
    """Reads one socket's messages, answering the server's pings."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket

    async def _message(self, seconds: float) -> dict[str, Any]:
        while True:
            message = json.loads(await asyncio.wait_for(self.socket.recv(), seconds))
            if message["type"] == "ping":
                await self.socket.send(json.dumps({"type": "pong"}))
                continue
            return dict(message)

    async def next(self) -> dict[str, Any]:
        """The data of the next update (fails on anything else)."""
        message = await self._message(10)
        assert message["type"] == "next", message
        assert not message["payload"].get("errors"), message
        return dict(message["payload"]["data"])

    async def closed(self, within: float = 10) -> tuple[int | None, list[dict[str, Any]], float]:
        """Waits for the server to close the socket: its close code, every message received before the close,
        and the seconds waited."""
        started = time.monotonic()
        received: list[dict[str, Any]] = []
        deadline = started + within
        try:
            while True:
                received.append(await self._message(max(0.01, deadline - time.monotonic())))
        except websockets.ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd is not None else None
            return code, received, time.monotonic() - started

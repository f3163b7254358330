"""The Starlette application: /graphql, /healthz, /readyz and, for local storage, /media."""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from tortoise.connection import get_connection
from tortoise.contrib.starlette import RegisterTortoise

from src import db
from src.http import GuardMiddleware
from src.jobs.queue import create_queue
from src.schema import build_schema, is_outage
from src.schema.context import Context
from src.schema.fastpath import CatalogFastPath
from src.services import notifications as notifications_service
from src.services import orders as orders_service
from src.services.catalog_queries import PublicPages
from src.services.common import outbox
from src.services.common.i18n import pick_language, translate
from src.services.common.live import LiveHub
from src.settings import Settings, get_settings
from src.storage import Storage, UploadRefused, build_storage
from src.storage.local import LocalStorage

log = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 2.0
# At shutdown, after uvicorn's grace period (SHUTDOWN_GRACE_SECONDS): the pub/sub, Redis and database
# clients get this long together to close. A rolling deploy waits for the process to exit.
SHUTDOWN_CLEANUP_SECONDS = 3.0
GC_GEN0_THRESHOLD = 20_000
# Headers that mark a multipart upload as CSRF-safe (the names Apollo and GraphQL clients use).
PREFLIGHT_HEADERS = ("graphql-preflight", "apollo-require-preflight", "x-apollo-operation-name")
# Over HTTP: queries (GET or POST) and mutations (POST). Subscriptions live on the websocket; over HTTP
# Strawberry would run one as a query and answer a null for a non-null field.
HTTP_OPERATIONS = {"GET": {OperationType.QUERY}, "POST": {OperationType.QUERY, OperationType.MUTATION}}


@dataclass
class Resources:
    """Clients shared by every request of one process, made in the lifespan."""

    settings: Settings
    storage: Storage
    queue: Any  # ArqRedis
    live: LiveHub | None = None
    catalog_pages: PublicPages = field(default_factory=lambda: PublicPages(0))


class PasarGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with our typed context and a fast JSON encoder."""

    def __init__(self, schema: Any, *, app: Starlette, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            multipart_uploads_enabled=True,
        )
        self.app = app
        self.fast_path = settings.graphql_fast_path
        self.graphql_schema = schema._schema

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:  # type: ignore[override]
        resources: Resources = self.app.state.resources
        return Context(
            request=request,
            response=response,
            settings=resources.settings,
            storage=resources.storage,
            queue=resources.queue,
            live=resources.live,
            catalog_pages=resources.catalog_pages,
            language=pick_language(request.headers.get("accept-language"), resources.settings.default_language),
        )

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: Any,
        request_data: Any,
    ) -> ExecutionResult:  # type: ignore[override]
        # A catalog query Strawberry has already parsed, validated and found answerable by the fast
        # path is answered again straight away: the same text is the same document.
        if self.fast_path and request_data.query:
            try:
                data = await CatalogFastPath.answer_validated(
                    self.graphql_schema,
                    request_data.query,
                    request_data.operation_name,
                    request_data.variables,
                    context,
                )
            except Exception as exc:
                if not is_outage(exc):
                    raise
                data = None  # the regular path answers it, with the outage's clean error
            if data is not None:
                return ExecutionResult(data=data, errors=None)
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=HTTP_OPERATIONS.get(request_adapter.method, set()),
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type != OperationType.SUBSCRIPTION:
                raise HTTPException(400, exc.as_http_error_reason(request_adapter.method)) from exc
            message = translate("SUBSCRIPTION_NEEDS_WEBSOCKET", context.language)
            return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": "INVALID_INPUT"})])
        except CannotGetOperationTypeError as exc:  # Strawberry's own answers (as in its execute_single)
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as exc:
            response = self._refusal(request, exc)
        await response(scope, receive, send)

    def _refusal(self, request: Request, exc: HTTPException) -> Response:
        """A request refused before any GraphQL ran (unreadable body, wrong content type, a batch) answers
        with its HTTP status and a GraphQL error body, coded and in the caller's language; Strawberry's
        English reason stays for developers in `extensions.reason`."""
        settings: Settings = self.app.state.resources.settings
        language = pick_language(request.headers.get("accept-language"), settings.default_language)
        key, code = ("NOT_FOUND", "NOT_FOUND") if exc.status_code == 404 else ("REQUEST_UNREADABLE", "INVALID_INPUT")
        body = {"errors": [{"message": translate(key, language), "extensions": {"code": code, "reason": exc.reason}}]}
        return Response(orjson.dumps(body), status_code=exc.status_code, media_type="application/json")

    async def parse_multipart(self, request: Any) -> dict[str, str]:
        # A browser sends a multipart form to any site without asking first; a header it would have to
        # ask for (CORS preflight) proves the request comes from a client of ours, not a forged form.
        if not any(request.headers.get(name) for name in PREFLIGHT_HEADERS):
            raise HTTPException(400, f"multipart requests need one of the headers {', '.join(PREFLIGHT_HEADERS)}")
        return await super().parse_multipart(request)

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        # orjson's bytes go out as they are (encode_json's str would be encoded back to bytes again).
        response = Response(orjson.dumps(response_data), status_code=200, media_type="application/json")
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        return response

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> str:
        return orjson.dumps(data).decode()


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def _check(name: str, check: Any) -> tuple[str, str | None]:
    try:
        await asyncio.wait_for(check(), timeout=READY_TIMEOUT_SECONDS)
    except Exception as exc:  # readiness reports every failure, whatever its kind
        return name, f"{type(exc).__name__}: {exc}"[:300] or type(exc).__name__
    return name, None


async def readyz(request: Request) -> Response:
    """Ready when the database, Redis and storage all answer; 503 naming each that does not."""
    resources: Resources = request.app.state.resources

    async def database() -> None:
        await get_connection("default").execute_query("SELECT 1")

    results = await asyncio.gather(
        _check("database", database),
        _check("redis", resources.queue.ping),
        _check("storage", resources.storage.check),
    )
    failed = {name: error for name, error in results if error}
    body = {
        "status": "fail" if failed else "ok",
        "checks": {name: ("fail" if error else "ok") for name, error in results},
    }
    if failed:
        body["errors"] = failed
        log.warning("not ready: %s", failed)
    return JSONResponse(body, status_code=503 if failed else 200)


async def media(request: Request) -> Response:
    """Public objects of local storage; private ones (photo originals, proofs of delivery) only with a
    valid signed link (`private_url`)."""
    storage = request.app.state.resources.storage
    found = (
        storage.public_file(
            request.path_params["key"],
            expires=request.query_params.get("expires"),
            signature=request.query_params.get("signature"),
        )
        if isinstance(storage, LocalStorage)
        else None
    )
    if found is None:
        return PlainTextResponse("not found", status_code=404)
    path, headers = found
    return FileResponse(path, headers=headers)


async def local_upload(request: Request) -> Response:
    """Direct uploads for local storage, checked like S3 checks a presigned POST (policy, type, size)."""
    storage = request.app.state.resources.storage
    if not isinstance(storage, LocalStorage):
        return PlainTextResponse("not found", status_code=404)
    limit = request.app.state.resources.settings.max_photo_bytes
    length = request.headers.get("content-length", "")
    if not length.isdigit():  # chunked or garbled: the size must be known before anything is read
        return PlainTextResponse("MissingContentLength", status_code=411)
    if int(length) > limit + 64 * 1024:
        return PlainTextResponse("EntityTooLarge", status_code=400)
    try:
        async with request.form(max_files=1, max_fields=8) as form:
            file = form.get("file")
            if not isinstance(file, StarletteUploadFile):
                raise UploadRefused(400, "no file")
            policy = storage.verify_upload_policy(
                policy=str(form.get("policy") or ""),
                signature=str(form.get("signature") or ""),
                content_type=str(form.get("Content-Type") or ""),
            )
            if str(form.get("key") or "") != policy["key"]:
                raise UploadRefused(403, "key not allowed by the policy")
            data = await file.read(policy["max_bytes"] + 1)
            if not data or len(data) > policy["max_bytes"]:
                raise UploadRefused(400, "EntityTooLarge" if data else "empty file")
            await storage.put(policy["key"], data, content_type=policy["content_type"])
    except UploadRefused as exc:
        return PlainTextResponse(exc.reason, status_code=exc.status)
    return Response(status_code=204)


# What the gateway's callback is answered: 200 for anything handled or ignored (sending it again changes
# nothing), 401 for a wrong token, 404 while the gateway is not configured.
CALLBACK_STATUS = {orders_service.CallbackOutcome.REFUSED: 401, orders_service.CallbackOutcome.OFF: 404}


async def xendit_callback(request: Request) -> Response:
    """Xendit's payment callback; the rules are the orders service's (`orders.receive_callback`)."""
    resources: Resources = request.app.state.resources
    body = await request.body()
    since = outbox.mark()
    try:
        outcome = await orders_service.receive_callback(
            body=body, token=request.headers.get("x-callback-token"), settings=resources.settings
        )
    except BaseException:
        outbox.forget_since(since)
        raise
    # Committed: what it wrote (the order's PAYMENT_CONFIRMED, a refund) goes to the worker now.
    await notifications_service.hand_over_written(resources.queue, since=since)
    return JSONResponse({"status": outcome.value}, status_code=CALLBACK_STATUS.get(outcome, 200))


async def _close_within(stack: AsyncExitStack, seconds: float) -> None:
    """Close the process's clients, giving up after `seconds`: a stuck connection (a pool waiting for a
    connection a cancelled request still holds, an unanswered Redis) must not keep the process from exiting."""
    try:
        await asyncio.wait_for(stack.aclose(), seconds)
    except TimeoutError:
        log.warning("shutdown: clients not closed within %s s; exiting without them", seconds)


def create_app(settings: Settings | None = None, *, manage_orm: bool = True) -> Starlette:
    """Build the ASGI app. Tests pass manage_orm=False and run Tortoise themselves."""
    settings = settings or get_settings()
    settings.check_production_safety()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stack = AsyncExitStack()
        try:
            if manage_orm:
                db.prepare_database_dir(settings.database_url)
                await stack.enter_async_context(RegisterTortoise(app, config=db.tortoise_config(settings)))
            queue = create_queue(settings)
            stack.push_async_callback(queue.aclose)
            hub = LiveHub(queue)  # subscriptions: one pub/sub connection per process, opened on first use
            stack.push_async_callback(hub.close)
            app.state.resources = Resources(
                settings=settings,
                storage=build_storage(settings),
                queue=queue,
                live=hub,
                catalog_pages=PublicPages(settings.catalog_cache_seconds),
            )
            if settings.gc_freeze:
                # What start-up made lives as long as the process: keep it out of every later collection,
                # and collect the young generation less often (fewer pauses in the middle of requests).
                gc.collect()
                gc.freeze()
                gc.set_threshold(GC_GEN0_THRESHOLD, *gc.get_threshold()[1:])
            yield
        finally:
            await _close_within(stack, SHUTDOWN_CLEANUP_SECONDS)

    graphql = PasarGraphQL(build_schema(settings), app=None, settings=settings)  # type: ignore[arg-type]
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/payments/callback/xendit", xendit_callback, methods=["POST"]),
    ]
    if settings.storage_backend == "local":
        routes.append(Route("/media/{key:path}", media))
        routes.append(Route("/uploads", local_upload, methods=["POST"]))
    middleware = [
        Middleware(
            GuardMiddleware,
            max_body=settings.max_request_bytes,
            max_upload_body=settings.max_photo_bytes + 1024 * 1024,
            production=settings.is_production,
        )
    ]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "Accept-Language", *PREFLIGHT_HEADERS],
                max_age=600,
            )
        )
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    graphql.app = app
    return app

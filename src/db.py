"""The one Tortoise ORM configuration used by the API, the worker, the CLI and the tests."""

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import get_connection

from src.settings import Settings, get_settings

MODEL_MODULES = [
    "src.models.system",
    "src.models.markets",
    "src.models.catalog",
    "src.models.accounts",
    "src.models.media",
    "src.models.orders",
    "src.models.outbox",
    "src.models.notifications",
    "src.models.delivery",
    "src.models.reports",
    "src.models.payments",
    "src.models.habits",
    "src.models.substitutions",
    "src.models.complaints",
]
MIGRATIONS_MODULE = "migrations"

# Without explicit bounds asyncpg's pool is min 1 / max 5, which throttles a busy API process.
_POSTGRES_POOL_DEFAULTS = {"minsize": "2", "maxsize": "20"}


def database_url(url: str) -> str:
    """Normalise a DATABASE_URL: pool bounds for PostgreSQL unless the URL sets them."""
    parts = urlsplit(url)
    if parts.scheme in {"postgres", "asyncpg", "psycopg"}:
        query = dict(_POSTGRES_POOL_DEFAULTS)
        query.update(parse_qsl(parts.query))
        return urlunsplit(parts._replace(query=urlencode(query)))
    return url


# Every PostgreSQL session matches words as the catalog search means them: `term <% text` (which the
# trigram index serves; `word_similarity(term, text) >= 0.5` would read every product) holds from a word
# similarity of 0.5, so a misspelt word still matches (cabay → cabai).
POSTGRES_SESSION_SETTINGS = {"pg_trgm.word_similarity_threshold": "0.5"}


def _connection(url: str) -> str | dict[str, Any]:
    if urlsplit(url).scheme not in {"postgres", "asyncpg"}:
        return url
    config = expand_db_url(url)
    config["credentials"]["server_settings"] = dict(POSTGRES_SESSION_SETTINGS)
    config["credentials"]["reset"] = _keep_session
    return config


async def _keep_session(connection: Any) -> None:
    """Nothing to undo when a connection goes back to the pool: asyncpg has already rolled back an open
    transaction, and this code never LISTENs, opens cursors, takes advisory locks or changes settings.
    (asyncpg's default sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on every release:
    a round trip and PostgreSQL work for each query outside a transaction, measured in bench/load.py.)"""


def prepare_database_dir(url: str) -> None:
    """Create the folder of a SQLite database file, so a fresh checkout needs no setup."""
    if url.startswith("sqlite://"):
        path = url.split("://", 1)[1].split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def tortoise_config(settings: Settings | None = None, *, url: str | None = None) -> dict[str, Any]:
    """Build the Tortoise config dict from the settings (or an explicit database URL)."""
    settings = settings or get_settings()
    return {
        "connections": {"default": _connection(database_url(url or settings.database_url))},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def is_postgres() -> bool:
    """Whether the default connection is PostgreSQL (some features use its extensions)."""
    return get_connection("default").capabilities.dialect == "postgres"


async def init_orm(settings: Settings | None = None) -> None:
    """Start Tortoise for a worker or a CLI command, reachable from every task of the process."""
    settings = settings or get_settings()
    prepare_database_dir(settings.database_url)
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def close_orm() -> None:
    await Tortoise.close_connections()


async def migrate(settings: Settings | None = None, *, url: str | None = None) -> None:
    """Apply every pending migration."""
    from tortoise.migrations.api import migrate as _migrate

    settings = settings or get_settings()
    prepare_database_dir(url or settings.database_url)
    await _migrate(config=tortoise_config(settings, url=url))


def __getattr__(name: str) -> Any:
    # `TORTOISE_ORM` is read by the `tortoise` command line (see [tool.tortoise] in pyproject.toml) for
    # makemigrations; built on access so importing this module never reads (or fails on) the environment.
    if name == "TORTOISE_ORM":
        return tortoise_config()
    raise AttributeError(name)

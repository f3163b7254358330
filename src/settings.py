"""Every setting of the service, read from environment variables with embedded defaults."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me-in-production"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class ConfigurationError(Exception):
    """A setting that makes it unsafe or impossible to start; the message is one line for operators."""


class Settings(BaseSettings):
    """The service's configuration; every field is an environment variable of the same name."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["dev", "production"] = "dev"
    database_url: str = "sqlite://./var/pasar.sqlite3"
    # None means "the default": pasar dev may then start an embedded Redis when nothing answers on it.
    redis_url: str | None = None
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    public_url: str = "http://127.0.0.1:8000"

    storage_backend: Literal["local", "s3"] = "local"
    media_root: Path = Path("./var/media")
    media_url: str = "/media"
    s3_endpoint_url: str | None = None
    s3_bucket: str = "pasar-media"
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    s3_region: str = "us-east-1"
    s3_addressing_style: Literal["path", "virtual", "auto"] = "path"
    # Where public variants are read from (a CDN or the bucket's public address); None: derived from the endpoint.
    s3_public_base_url: str | None = None
    s3_presign_expiry_seconds: int = Field(default=900, ge=60, le=7 * 24 * 3600)
    # False for a private bucket: variant URLs are then presigned GETs valid for s3_presign_expiry_seconds.
    s3_public_variants: bool = True

    max_photo_bytes: int = Field(default=15 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(default=50_000_000, ge=1_000_000)
    max_photos_per_product: int = Field(default=8, ge=1)
    photo_jobs_per_worker: int = Field(default=2, ge=1)

    cod_max_total: int = Field(default=3_000_000, ge=0)  # rupiah
    payment_timeout_minutes: int = Field(default=60, ge=1)
    # COD: the cash to collect is rounded to the smallest coin in use (half up); the rounding is a line of the order.
    cod_rounding: int = Field(default=100, ge=1, le=10_000)
    # The market's share of a trader's delivered sales, in percent (the trader statement's COMMISSION lines).
    commission_percent: float = Field(default=0, ge=0, le=50)
    # A payment gateway (Xendit's API), used by markets whose payment settings name it; off while unset.
    xendit_api_key: SecretStr | None = None
    xendit_callback_token: SecretStr | None = None
    xendit_base_url: str = "https://api.xendit.co"
    # How long a call to the gateway may take; a QR not made in time leaves the order the market's own QRIS.
    xendit_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    slot_days_ahead: int = Field(default=3, ge=0)
    slot_capacity: int = Field(default=150, ge=1)  # orders per market, day and window
    # Order cut-off per delivery window, on the day of delivery (WIB).
    slot_cutoffs: dict[str, str] = {"MORNING": "05:00", "MIDDAY": "09:00", "AFTERNOON": "13:00"}
    weighed_tolerance: float = Field(default=0.10, ge=0, le=0.5)
    # A courier's offer passes to the next courier when not accepted within this time.
    delivery_offer_seconds: float = Field(default=120, gt=0, le=3600)
    # Lines of one order (placeOrder items, products in a cart); lines of one product are merged anyway.
    max_order_lines: int = Field(default=100, ge=1, le=1000)
    # A courier sees the buyer's address, name and phone until this long after the delivery ended.
    courier_contact_grace_hours: float = Field(default=24, ge=0, le=24 * 30)
    # A buyer answers a substitute for a missing item within this time; silence declines it.
    substitution_timeout_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # A buyer may complain about a delivered order until this long after the delivery.
    complaint_window_hours: float = Field(default=24, gt=0, le=24 * 30)

    # Notification channels (in-app is always on).
    email_enabled: bool = False
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    email_from: str = "Pasar Online <noreply@pasar.malangkota.go.id>"
    webhook_enabled: bool = False
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)

    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # An open subscription checks its user again at least this often (and at its token's expiry), so a
    # silent socket is closed too; every update checks on its own.
    subscription_recheck_seconds: float = Field(default=60, gt=0, le=3600)
    # On SIGTERM: seconds open requests and websockets get to finish before they are cancelled.
    shutdown_grace_seconds: int = Field(default=5, ge=0, le=120)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    login_max_failures: int = Field(default=5, ge=1)
    # Requests per window: registrations per client address an hour, orders and uploads per user a minute.
    rate_registrations_per_hour: int = Field(default=20, ge=1)
    # Login attempts per client address a minute, right or wrong (a market's shared connection logs many in).
    rate_logins_per_minute: int = Field(default=60, ge=1)
    rate_orders_per_minute: int = Field(default=30, ge=1)
    rate_uploads_per_minute: int = Field(default=30, ge=1)
    login_lockout_seconds: int = Field(default=15 * 60, ge=1)
    default_language: Literal["id", "en"] = "id"

    worker_poll_delay: float = Field(default=0.05, gt=0)
    graphiql: bool | None = None  # None: on in dev, off in production
    introspection: bool | None = None  # None: on in dev, off in production
    graphql_max_depth: int = Field(default=12, ge=2)
    graphql_max_aliases: int = Field(default=30, ge=1)
    graphql_max_tokens: int = Field(default=5000, ge=100)
    # Answer supported catalog queries from rows without per-field resolvers (see src/schema/fastpath.py).
    graphql_fast_path: bool = True
    # Seconds a public catalog page is shared by one API process's requests (0: read every time).
    catalog_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    max_request_bytes: int = Field(default=256 * 1024, ge=1024)  # JSON bodies; uploads: max_photo_bytes + 1 MB
    cors_origins: list[str] = []  # the web frontends' origins, e.g. ["https://pasar.malangkota.go.id"]
    # Freeze start-up objects out of garbage collection and collect less often (shorter tail latencies).
    gc_freeze: bool = True

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def effective_redis_url(self) -> str:
        return self.redis_url or DEFAULT_REDIS_URL

    @property
    def graphiql_enabled(self) -> bool:
        return (not self.is_production) if self.graphiql is None else self.graphiql

    @property
    def introspection_enabled(self) -> bool:
        return (not self.is_production) if self.introspection is None else self.introspection

    @model_validator(mode="after")
    def _check_database_url(self) -> "Settings":
        scheme = self.database_url.split("://", 1)[0] if "://" in self.database_url else ""
        if scheme not in {"sqlite", "postgres", "asyncpg", "psycopg"}:
            raise ValueError(
                f"DATABASE_URL must start with sqlite://, postgres:// or asyncpg://, got {self.database_url!r}"
            )
        return self

    def check_production_safety(self) -> None:
        """Refuse settings that are only acceptable on a developer's machine."""
        if not self.is_production:
            return
        secret = self.secret_key.get_secret_value()
        if secret == DEFAULT_SECRET_KEY:
            raise ConfigurationError(
                "SECRET_KEY is the built-in development default; set SECRET_KEY to a random value "
                "of at least 32 characters before running with ENVIRONMENT=production"
            )
        if len(secret) < 32:
            raise ConfigurationError("SECRET_KEY must be at least 32 characters long in production")


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()

"""Settings, read once from ``STORE_*`` environment variables.

One dataclass per concern. Defaults are the embedded mode (``make run``): SQLite under ``var/``,
artifacts in a local folder. Production chooses real services through the same variables.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 - refused in production


# Every variable the store reads, with what it is for. The README's table and the
# docker-compose check are tested against this list.
ENV_VARS: dict[str, str] = {
    "STORE_ENV": "development (default), production or test; production refuses the default secret key",
    "STORE_SECRET_KEY": "signs CSRF tokens; required and private in production",
    "STORE_HOST": "interface `store run` listens on (default 127.0.0.1)",
    "STORE_PORT": "port `store run` listens on (default 8000)",
    "STORE_VAR_DIR": "folder for the embedded database and files (default ./var)",
    "STORE_DATABASE_URL": "SQLAlchemy URL; default sqlite+aiosqlite:///var/store.db, production postgresql+asyncpg://…",
    "STORE_DATABASE_ECHO": "1 to log SQL statements",
    "STORE_DB_POOL_SIZE": "PostgreSQL connections each worker keeps open (default 5)",
    "STORE_DB_MAX_OVERFLOW": "connections a worker may open beyond the pool under load (default 5)",
    "STORE_DB_POOL_TIMEOUT": "seconds a request waits for a free connection before it gets 503 (default 10)",
    "STORE_SERVER": "the HTTP server `store run` uses: granian (default) or uvicorn",
    "STORE_WORKERS": "worker processes of `store run`; empty: 1, in production one per CPU (at most 8)",
    "STORE_SHUTDOWN_GRACE_SECONDS": "after SIGTERM, seconds for requests and uploads to finish (default 120)",
    "STORE_KEEP_ALIVE_SECONDS": "an idle client connection is closed after this many seconds (default 5)",
    "STORE_HEADER_TIMEOUT_SECONDS": "a request's headers must arrive within this many seconds (default 10)",
    "STORE_BODY_TIMEOUT_SECONDS": "a request body (an upload) stalled this long is answered 408 (default 60)",
    "STORE_SESSION_MAX_AGE": "seconds a sign-in lasts (default 28800)",
    "STORE_LOGIN_MAX_FAILURES": "failed sign-ins before the account is locked (default 5)",
    "STORE_LOGIN_LOCKOUT_SECONDS": "how long the lock lasts (default 900)",
    "STORE_STORAGE_BACKEND": "local (default) or s3",
    "STORE_STORAGE_DIR": "folder for artifacts with the local backend (default var/artifacts)",
    "STORE_S3_ENDPOINT": "S3-compatible endpoint URL, e.g. http://seaweedfs:8333",
    "STORE_S3_BUCKET": "bucket for artifacts (default yue-store)",
    "STORE_S3_ACCESS_KEY": "S3 access key",
    "STORE_S3_SECRET_KEY": "S3 secret key",
    "STORE_S3_REGION": "S3 region name (default us-east-1)",
    "STORE_MAX_UPLOAD_BYTES": "largest artifact accepted, in bytes (default 2147483648 = 2 GiB)",
    "STORE_PRESIGN_SECONDS": "lifetime of presigned download URLs (default 300)",
    "STORE_SEARCH_BACKEND": "database (default) or meilisearch",
    "STORE_MEILISEARCH_URL": "Meilisearch URL, e.g. http://meilisearch:7700",
    "STORE_MEILISEARCH_KEY": "Meilisearch API key",
    "STORE_SEARCH_INDEX_PREFIX": "prefix of the search index names (default yue)",
    "STORE_SMTP_HOST": "SMTP server for notification e-mails; empty (default) sends none (the inbox works)",
    "STORE_SMTP_PORT": "SMTP port (default 587)",
    "STORE_SMTP_USERNAME": "SMTP user name; empty for a server that needs no sign-in",
    "STORE_SMTP_PASSWORD": "SMTP password (never logged)",
    "STORE_SMTP_FROM": "sender of notification e-mails, e.g. noreply@example.gov.cn; required with SMTP",
    "STORE_SMTP_SECURITY": "starttls (default), ssl or none",
    "STORE_BASE_URL": "the site's address as users reach it, for links in e-mails (default http://127.0.0.1:8000)",
    "STORE_STATS_CACHE_SECONDS": "seconds a statistics figure is kept, 0 to 60 (default 60; 0: no cache)",
    "STORE_PAGE_CACHE_SECONDS": "seconds anonymous pages and API answers are kept, 0-60 (default 30; 0: off)",
    "STORE_LOG_FORMAT": "text (default) or json: one JSON object per line, for a log collector",
    "STORE_METRICS_TOKEN": "Bearer token that may read /metrics from anywhere; empty (default): none",
    "STORE_METRICS_ALLOW": "networks that may read /metrics without the token (default 127.0.0.1/32,::1/128)",
    "STORE_METRICS_DIR": "where `store run`'s workers share metrics; emptied at start (default var/metrics)",
}


class SettingsError(RuntimeError):
    """A setting is missing or unsafe; the store refuses to start."""


def _env(name: str, default: str) -> str:
    return os.environ.get(f"STORE_{name}", default)


def _env_int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"STORE_{name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name, "1" if default else "0").strip().lower()
    return raw in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class AppSettings:
    env: str = "development"
    secret_key: str = DEFAULT_SECRET_KEY
    host: str = "127.0.0.1"
    port: int = 8000
    var_dir: Path = BASE_DIR / "var"

    @property
    def is_production(self) -> bool:
        return self.env == "production"


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = ""
    echo: bool = False
    # Per worker process, PostgreSQL only (SQLite keeps SQLAlchemy's defaults): store/db/engine.py.
    pool_size: int = 5
    max_overflow: int = 5
    pool_timeout: int = 10

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


@dataclass(frozen=True)
class AuthSettings:
    session_max_age: int = 8 * 3600
    login_max_failures: int = 5
    login_lockout_seconds: int = 15 * 60


@dataclass(frozen=True)
class StorageSettings:
    backend: str = "local"
    local_dir: Path = BASE_DIR / "var" / "artifacts"
    s3_endpoint: str = ""
    s3_bucket: str = "yue-store"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_region: str = "us-east-1"
    max_upload_bytes: int = 2 * 1024**3
    presign_seconds: int = 300


@dataclass(frozen=True)
class SearchSettings:
    backend: str = "database"
    meilisearch_url: str = ""
    meilisearch_key: str = ""
    index_prefix: str = "yue"


@dataclass(frozen=True)
class MailSettings:
    """Notification e-mail; off while ``smtp_host`` is empty (the inbox works either way)."""

    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)  # kept out of reprs, and so out of logs
    smtp_from: str = ""
    smtp_security: str = "starttls"
    base_url: str = "http://127.0.0.1:8000"

    @property
    def enabled(self) -> bool:
        return bool(self.smtp_host)


@dataclass(frozen=True)
class StatsSettings:
    """The statistics figures cache (store/stats/cache.py): seconds a figure is kept, 0 = off."""

    cache_seconds: int = 60


@dataclass(frozen=True)
class PageCacheSettings:
    """Answers to visitors who are not signed in, and the catalog's region lists, kept this many
    seconds in each worker (store/lib/httpcache.py, store/catalog/cache.py); 0 = off."""

    seconds: int = 30


@dataclass(frozen=True)
class MonitoringSettings:
    """Logs and /metrics (store/lib/logs.py, store/lib/metrics.py)."""

    log_format: str = "text"
    metrics_token: str = field(default="", repr=False)  # a credential: kept out of reprs and logs
    metrics_allow: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    metrics_dir: Path = BASE_DIR / "var" / "metrics"


@dataclass(frozen=True)
class ServerSettings:
    """How `store run` serves (store/serving.py). ``workers`` 0 means: decide (``workers_for``)."""

    server: str = "granian"  # faster than uvicorn here; README, "Running in production"
    workers: int = 0
    shutdown_grace_seconds: int = 120
    keep_alive_seconds: int = 5
    header_timeout_seconds: int = 10
    body_timeout_seconds: int = 60


@dataclass(frozen=True)
class Settings:
    app: AppSettings = field(default_factory=AppSettings)
    db: DatabaseSettings = field(default_factory=DatabaseSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    stats: StatsSettings = field(default_factory=StatsSettings)
    page_cache: PageCacheSettings = field(default_factory=PageCacheSettings)
    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)
    server: ServerSettings = field(default_factory=ServerSettings)

    def check(self) -> None:
        """Refuse unsafe combinations before the store serves anyone."""
        if self.app.env not in {"development", "production", "test"}:
            raise SettingsError("STORE_ENV must be development, production or test")
        if self.app.is_production and self.app.secret_key == DEFAULT_SECRET_KEY:
            raise SettingsError("STORE_SECRET_KEY must be set to a private value when STORE_ENV=production")
        if len(self.app.secret_key) < 16:
            raise SettingsError("STORE_SECRET_KEY must be at least 16 characters")
        if self.storage.backend not in {"local", "s3"}:
            raise SettingsError("STORE_STORAGE_BACKEND must be 'local' or 's3'")
        if self.storage.backend == "s3" and not self.storage.s3_endpoint:
            raise SettingsError("STORE_S3_ENDPOINT is required when STORE_STORAGE_BACKEND=s3")
        if self.search.backend not in {"database", "meilisearch"}:
            raise SettingsError("STORE_SEARCH_BACKEND must be 'database' or 'meilisearch'")
        if self.mail.smtp_security not in {"starttls", "ssl", "none"}:
            raise SettingsError("STORE_SMTP_SECURITY must be 'starttls', 'ssl' or 'none'")
        if not self.mail.base_url.startswith(("http://", "https://")):
            raise SettingsError("STORE_BASE_URL must start with http:// or https://")
        if self.mail.enabled and "@" not in self.mail.smtp_from:
            raise SettingsError("STORE_SMTP_FROM must be an e-mail address when STORE_SMTP_HOST is set")
        if self.app.is_production and self.mail.smtp_username and self.mail.smtp_security == "none":
            raise SettingsError("STORE_SMTP_SECURITY=none would send the SMTP password unencrypted")
        if not 0 <= self.stats.cache_seconds <= 60:
            raise SettingsError("STORE_STATS_CACHE_SECONDS must be from 0 (no cache) to 60")
        if not 0 <= self.page_cache.seconds <= 60:
            raise SettingsError("STORE_PAGE_CACHE_SECONDS must be from 0 (no cache) to 60")
        self._check_monitoring()
        self._check_serving()

    def _check_serving(self) -> None:
        if self.server.server not in {"uvicorn", "granian"}:
            raise SettingsError("STORE_SERVER must be 'uvicorn' or 'granian'")
        bounds = {
            "STORE_WORKERS": (self.server.workers, 0, 64),
            "STORE_SHUTDOWN_GRACE_SECONDS": (self.server.shutdown_grace_seconds, 1, 1800),
            # granian takes at most 60 s for its header timer, which also times idle connections
            "STORE_KEEP_ALIVE_SECONDS": (self.server.keep_alive_seconds, 1, 60),
            "STORE_HEADER_TIMEOUT_SECONDS": (self.server.header_timeout_seconds, 1, 60),
            "STORE_BODY_TIMEOUT_SECONDS": (self.server.body_timeout_seconds, 1, 3600),
            "STORE_DB_POOL_SIZE": (self.db.pool_size, 1, 100),
            "STORE_DB_MAX_OVERFLOW": (self.db.max_overflow, 0, 100),
            "STORE_DB_POOL_TIMEOUT": (self.db.pool_timeout, 1, 300),
        }
        for name, (value, low, high) in bounds.items():
            if not low <= value <= high:
                raise SettingsError(f"{name} must be from {low} to {high}, got {value}")

    def _check_monitoring(self) -> None:
        if self.monitoring.log_format not in {"text", "json"}:
            raise SettingsError("STORE_LOG_FORMAT must be 'text' or 'json'")
        if self.monitoring.metrics_token and len(self.monitoring.metrics_token) < 16:
            raise SettingsError("STORE_METRICS_TOKEN must be at least 16 characters (or empty for none)")
        for network in self.monitoring.metrics_allow:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as exc:
                raise SettingsError(
                    f"STORE_METRICS_ALLOW must list networks such as 10.0.0.0/8, got {network!r}"
                ) from exc


def load_settings() -> Settings:
    """Build settings from the environment (no caching: tests call this with their own env)."""
    var_dir = Path(_env("VAR_DIR", str(BASE_DIR / "var")))
    app = AppSettings(
        env=_env("ENV", "development"),
        secret_key=_env("SECRET_KEY", DEFAULT_SECRET_KEY),
        host=_env("HOST", "127.0.0.1"),
        port=_env_int("PORT", 8000),
        var_dir=var_dir,
    )
    db = DatabaseSettings(
        url=_env("DATABASE_URL", f"sqlite+aiosqlite:///{var_dir / 'store.db'}"),
        echo=_env_bool("DATABASE_ECHO", False),
        pool_size=_env_int("DB_POOL_SIZE", 5),
        max_overflow=_env_int("DB_MAX_OVERFLOW", 5),
        pool_timeout=_env_int("DB_POOL_TIMEOUT", 10),
    )
    auth = AuthSettings(
        session_max_age=_env_int("SESSION_MAX_AGE", 8 * 3600),
        login_max_failures=_env_int("LOGIN_MAX_FAILURES", 5),
        login_lockout_seconds=_env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60),
    )
    storage = StorageSettings(
        backend=_env("STORAGE_BACKEND", "local"),
        local_dir=Path(_env("STORAGE_DIR", str(var_dir / "artifacts"))),
        s3_endpoint=_env("S3_ENDPOINT", ""),
        s3_bucket=_env("S3_BUCKET", "yue-store"),
        s3_access_key=_env("S3_ACCESS_KEY", ""),
        s3_secret_key=_env("S3_SECRET_KEY", ""),
        s3_region=_env("S3_REGION", "us-east-1"),
        max_upload_bytes=_env_int("MAX_UPLOAD_BYTES", 2 * 1024**3),
        presign_seconds=_env_int("PRESIGN_SECONDS", 300),
    )
    search = SearchSettings(
        backend=_env("SEARCH_BACKEND", "database"),
        meilisearch_url=_env("MEILISEARCH_URL", ""),
        meilisearch_key=_env("MEILISEARCH_KEY", ""),
        index_prefix=_env("SEARCH_INDEX_PREFIX", "yue"),
    )
    mail = MailSettings(
        smtp_host=_env("SMTP_HOST", "").strip(),
        smtp_port=_env_int("SMTP_PORT", 587),
        smtp_username=_env("SMTP_USERNAME", ""),
        smtp_password=_env("SMTP_PASSWORD", ""),
        smtp_from=_env("SMTP_FROM", "").strip(),
        smtp_security=_env("SMTP_SECURITY", "starttls").strip().lower(),
        base_url=_env("BASE_URL", "http://127.0.0.1:8000").strip().rstrip("/"),
    )
    stats = StatsSettings(cache_seconds=_env_int("STATS_CACHE_SECONDS", 60))
    page_cache = PageCacheSettings(seconds=_env_int("PAGE_CACHE_SECONDS", 30))
    monitoring = MonitoringSettings(
        log_format=_env("LOG_FORMAT", "text").strip().lower(),
        metrics_token=_env("METRICS_TOKEN", "").strip(),
        metrics_allow=tuple(
            item.strip() for item in _env("METRICS_ALLOW", "127.0.0.1/32,::1/128").split(",") if item.strip()
        ),
        metrics_dir=Path(_env("METRICS_DIR", str(var_dir / "metrics"))),
    )
    return Settings(
        app=app,
        db=db,
        auth=auth,
        storage=storage,
        search=search,
        mail=mail,
        stats=stats,
        page_cache=page_cache,
        monitoring=monitoring,
        server=ServerSettings(
            server=_env("SERVER", "granian").strip().lower(),
            workers=_env_int("WORKERS", 0) if _env("WORKERS", "").strip() else 0,
            shutdown_grace_seconds=_env_int("SHUTDOWN_GRACE_SECONDS", 120),
            keep_alive_seconds=_env_int("KEEP_ALIVE_SECONDS", 5),
            header_timeout_seconds=_env_int("HEADER_TIMEOUT_SECONDS", 10),
            body_timeout_seconds=_env_int("BODY_TIMEOUT_SECONDS", 60),
        ),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()

"""Settings, read from the environment with the `VOUCHERD_` prefix (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("var") / "voucherd.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VOUCHERD_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}",
        description="sqlite:///path (embedded default) or postgresql://user@host/db",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    # When set, the default project is bootstrapped with exactly these credentials, so scripts
    # and CI can know them before the first start.
    app_id: str | None = None
    app_token: str | None = None
    management_id: str | None = None
    management_token: str | None = None
    # The same for a client-side key (`X-Client-Application-Id` / `X-Client-Token`): any
    # origin, redeem and publish allowed, so demos and scripts know it in advance.
    client_app_id: str | None = None
    client_token: str | None = None
    # The client-side API (`/client/v1/*`, publishable keys) per calling IP address and API
    # process: requests a minute, in bursts of as many.
    client_rate_limit_per_minute: int = Field(default=600, ge=1)
    default_project_name: str = "Default"
    # Run the background worker (webhook delivery, scheduled jobs) inside `voucherd serve`.
    embedded_worker: bool = True
    # Bodies above this size are refused with 413 before they are parsed.
    max_body_bytes: int = 1_048_576
    # Connections per process; PostgreSQL only (SQLite writes go through one connection).
    db_pool_size: int = 10
    db_max_overflow: int = 10
    # `voucherd serve` started before its database (containers started together, a database
    # restarting) waits this long for it, retrying with backoff, then exits with one line.
    db_startup_timeout_seconds: float = Field(default=60.0, ge=0)
    log_level: str = "info"
    # The absolute base of links voucherd hands out (voucher asset URLs), e.g.
    # https://promo.example.com; unset = the base URL of the request being answered.
    public_url: str | None = None
    # Signs and seals public links (voucher asset ids). Unset = a random secret made once and
    # kept in the database (table installation_secrets), shared by every process.
    secret_key: str | None = Field(default=None, min_length=16)
    # Files voucherd writes (export CSVs under exports/). Several hosts behind one database
    # must share it (a network volume), since any worker may write a file any API serves.
    data_dir: Path = Path("var")
    # How long an export's download link works after the export was read.
    export_link_ttl_seconds: int = Field(default=3600, ge=60, le=7 * 86400)
    # Webhooks. Targets on loopback/private/link-local networks are refused unless listed here
    # (comma-separated CIDRs; the local demo uses 127.0.0.0/8).
    webhook_allowed_networks: str = ""
    # Retry offsets from the first attempt ("1m,2m,4m,1h"); unset = Voucherify's 12 retries.
    webhook_retry_schedule: str | None = None
    webhook_retry_jitter: float = Field(default=0.1, ge=0, lt=1)
    # Concurrent deliveries per worker process (one per endpoint at a time, to keep order).
    webhook_max_in_flight: int = Field(default=32, ge=1, le=1024)
    # Voucherify's receivers must answer within 10 s.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # How long a worker owns an endpoint without renewing; unset = 3 x timeout + 5 s.
    webhook_lease_seconds: float | None = Field(default=None, gt=0)
    # Async actions (imports, bulk updates): how long a worker owns an action without
    # finishing a chunk; a killed worker's action is taken over this long after its last
    # chunk. A chunk takes well under a second.
    async_action_lease_seconds: float = Field(default=30.0, gt=0)
    # Import uploads (CSV files, JSON arrays) above this size are refused with 413:
    # Voucherify's documented limit for its CSV imports.
    import_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

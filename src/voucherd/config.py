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
    default_project_name: str = "Default"
    # Run the background worker (webhook delivery, scheduled jobs) inside `voucherd serve`.
    embedded_worker: bool = True
    # Bodies above this size are refused with 413 before they are parsed.
    max_body_bytes: int = 1_048_576
    # Connections per process; PostgreSQL only (SQLite writes go through one connection).
    db_pool_size: int = 10
    db_max_overflow: int = 10
    log_level: str = "info"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

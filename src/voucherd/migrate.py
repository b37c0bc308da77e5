"""Schema migrations (Alembic), callable from the CLI, the server start and the tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from voucherd.kit.db import async_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# An arbitrary constant naming voucherd's migration lock among PostgreSQL advisory locks.
MIGRATION_LOCK_KEY = 0x766F7563686572  # "voucher"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite") and ":///" in url:
        path = url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`, inside the running event loop."""
    _ensure_sqlite_dir(url)
    engine = create_async_engine(async_url(url))
    cfg = alembic_config(url)

    def _upgrade(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            # Several processes may start at once (`serve --workers`, rolling deploys): one
            # migrates, the others wait here and then find nothing left to do.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)
    await engine.dispose()


def upgrade_sync(url: str, revision: str = "head") -> None:
    asyncio.run(upgrade(url, revision))

"""The worker's asset links: vouchers serialized by jobs (event payloads) carry the same
asset ids as the API's, so the worker reads the installation key like the API does."""

from __future__ import annotations

from voucherd.assets import links
from voucherd.config import get_settings
from voucherd.kit.db import Database
from voucherd.worker import register_job

# The key never changes while the process runs: one load, then the job only idles.
IDLE_SECONDS = 3600.0


@register_job("assets.load_key", idle_seconds=IDLE_SECONDS)
async def load_key(db: Database) -> int:
    if not links.has_default():
        await links.install_default(get_settings(), db)
    return 0

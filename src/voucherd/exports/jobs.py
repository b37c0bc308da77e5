"""Registers export writing with the background worker (`voucherd serve` and `voucherd worker`)."""

from __future__ import annotations

from voucherd.config import get_settings
from voucherd.exports.runner import run_next
from voucherd.kit.db import Database
from voucherd.worker import register_job

# How long an idle worker waits before looking for a new export: the delay before a new
# export starts, against one small indexed query per interval.
IDLE_SECONDS = 1.0


@register_job("exports.write", idle_seconds=IDLE_SECONDS)
async def write_exports(db: Database) -> int:
    return await run_next(db, get_settings().data_dir)

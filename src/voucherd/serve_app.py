"""The app as `voucherd serve` runs it: the API plus, by default, the background worker."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from voucherd.app import create_app
from voucherd.config import get_settings
from voucherd.worker import run_forever

# Modules that register worker jobs and event subscribers when imported.
JOB_MODULES: tuple[str, ...] = (
    "voucherd.webhooks.jobs",
    "voucherd.earning.jobs",
    "voucherd.loyalty.jobs",
    "voucherd.tiers.jobs",
    # Auto-update segments follow customer changes, whichever process makes them.
    "voucherd.segments.membership",
    "voucherd.assets.jobs",
    # Async actions (imports, bulk updates); importing the kinds registers them.
    "voucherd.imports.service",
    "voucherd.exports.jobs",
)


def load_job_modules() -> None:
    for name in JOB_MODULES:
        importlib.import_module(name)


def create_served_app() -> FastAPI:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper())
    load_job_modules()
    app = create_app(settings)
    if not settings.embedded_worker:
        return app
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(run_forever(app.state.db, stop))
        async with inner(a):
            try:
                yield
            finally:
                stop.set()
                await task

    app.router.lifespan_context = lifespan
    return app

"""The background worker: periodic jobs (webhook delivery, pending points, expiry) in a loop.

Runs inside `voucherd serve` by default, or alone as `voucherd worker`. Domains register
jobs with `register_job`; each run gets its own unit of work at this edge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from voucherd.kit import idempotency
from voucherd.kit.db import Database

log = logging.getLogger("voucherd.worker")

Job = Callable[[Database], Awaitable[int]]


@dataclass(frozen=True)
class RegisteredJob:
    name: str
    run: Job
    # How long to wait between runs when the last run found nothing to do.
    idle_seconds: float


_jobs: dict[str, RegisteredJob] = {}


def register_job(name: str, idle_seconds: float = 1.0) -> Callable[[Job], Job]:
    def decorator(job: Job) -> Job:
        _jobs[name] = RegisteredJob(name, job, idle_seconds)
        return job

    return decorator


# Expired idempotency keys (kit/idempotency.py) are already ignored; this keeps the table small.
register_job("idempotency.purge_expired", idle_seconds=idempotency.PURGE_IDLE_SECONDS)(
    idempotency.purge_expired
)


def registered_jobs() -> list[RegisteredJob]:
    return list(_jobs.values())


async def run_once(db: Database) -> dict[str, int]:
    """Run every job once (tests call this after moving the clock)."""
    return {job.name: await job.run(db) for job in registered_jobs()}


async def _loop(db: Database, job: RegisteredJob, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            done = await job.run(db)
        except Exception:  # a failing job must not kill the worker; it is retried next tick
            log.exception("job %s failed", job.name)
            done = 0
        if done == 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=job.idle_seconds)


Shutdown = Callable[[], Awaitable[None]]
_shutdown_hooks: list[Shutdown] = []


def on_shutdown(hook: Shutdown) -> Shutdown:
    """Run `hook` when the worker stops (after its job loops have ended)."""
    if hook not in _shutdown_hooks:
        _shutdown_hooks.append(hook)
    return hook


async def run_forever(db: Database, stop: asyncio.Event) -> None:
    jobs = registered_jobs()
    log.info("worker started with jobs: %s", ", ".join(j.name for j in jobs) or "none")
    await asyncio.gather(*(_loop(db, job, stop) for job in jobs), stop.wait())
    for hook in _shutdown_hooks:
        try:
            await hook()
        except Exception:  # one failing hook must not keep the others from running
            log.exception("worker shutdown hook failed")
    log.info("worker stopped")

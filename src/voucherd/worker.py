"""The background worker: periodic jobs (webhook delivery, pending points, expiry) in a loop.

Runs inside `voucherd serve` by default, or alone as `voucherd worker`. Domains register
jobs with `register_job`; each run gets its own unit of work at this edge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from voucherd.kit import idempotency
from voucherd.kit.db import Database, describe_error, is_connection_error, retry_on_conflict

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


class DatabaseOutage:
    """What the job loops of one worker know about the database being down.

    The first loop to lose the database logs it, once; the first to reach it again logs the
    recovery. In between, failing runs log nothing (they used to log a traceback per job per
    tick) and loops wait longer and longer between tries.
    """

    def __init__(self) -> None:
        self.since: float | None = None

    def lost(self, exc: BaseException) -> None:
        if self.since is None:
            self.since = time.monotonic()
            log.warning(
                "database unavailable, jobs paused until it answers: %s", describe_error(exc)
            )

    def back(self) -> None:
        if self.since is not None:
            log.warning(
                "database available again after %.1f s, jobs resumed",
                time.monotonic() - self.since,
            )
            self.since = None


# While the database is down a loop tries again after its idle pause, doubled after each
# failure up to this bound: an outage costs a few connection attempts a minute, not a flood,
# and the worker resumes within this long of the database's return.
OUTAGE_MAX_PAUSE_SECONDS = 30.0


async def _loop(
    db: Database, job: RegisteredJob, stop: asyncio.Event, outage: DatabaseOutage
) -> None:
    failures = 0
    while not stop.is_set():
        pause = job.idle_seconds
        try:
            # A run that PostgreSQL aborted as a deadlock victim runs again at once.
            done = await retry_on_conflict(lambda: job.run(db), what=f"job {job.name}")
            outage.back()
            failures = 0
        except Exception as exc:  # a failing job must not kill the worker; it is retried
            done = 0
            if is_connection_error(exc):
                outage.lost(exc)
                failures += 1
                pause = min(
                    job.idle_seconds * 2 ** (failures - 1),
                    max(job.idle_seconds, OUTAGE_MAX_PAUSE_SECONDS),
                )
            else:
                log.exception("job %s failed", job.name)
        if done == 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)


async def run_jobs(db: Database, jobs: Sequence[RegisteredJob], stop: asyncio.Event) -> None:
    """Run each job in its own loop until `stop` is set."""
    outage = DatabaseOutage()
    await asyncio.gather(*(_loop(db, job, stop, outage) for job in jobs), stop.wait())


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
    await run_jobs(db, jobs, stop)
    for hook in _shutdown_hooks:
        try:
            await hook()
        except Exception:  # one failing hook must not keep the others from running
            log.exception("worker shutdown hook failed")
    log.info("worker stopped")

"""Runs async actions in the background worker: claim under a lease, work in chunks, resume.

A kind of action (an import, a bulk update; exports may add theirs) registers a `prepare`
function with `register_kind`: given the stored action it returns a `Work` whose `step`
writes one chunk and says how far it got. The runner owns the transactions: each chunk's
rows, the new position and the counts commit together, after a guard that the action is still
ours at the position we think (repository.hold). A worker killed mid-chunk loses only that
uncommitted chunk; whoever takes the action over after the lease expires resumes from the
committed position, so each unit is written exactly once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.async_actions import repository
from voucherd.config import get_settings
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.db import Database, is_connection_error, is_retryable_conflict, retry_on_conflict
from voucherd.kit.ids import new_id
from voucherd.worker import register_job

log = logging.getLogger("voucherd.async_actions")

# How long the worker waits before looking again when no action was open: the delay before a
# new import starts, against one small claim query per interval.
IDLE_SECONDS = 0.5
# A worker works on one action this long (real time), then hands it back and claims again:
# the least recently served open action goes next, so a small job queued behind a 100,000-row
# import starts within seconds (Voucherify: long jobs are "processed in small portions in a
# round-robin fashion"), and a stopping worker is never stuck in a long import.
SLICE_SECONDS = 2.0
# Failures listed in an action's result; `failed_count` counts them all. An import of 100,000
# bad rows must not turn its status into a multi-megabyte document.
FAILED_LISTED = 10_000


@dataclass(frozen=True, slots=True)
class ActionInput:
    id: str
    project_id: str
    type: str
    request_id: str | None
    payload: str
    params: dict[str, Any]
    position: int


@dataclass(slots=True)
class Step:
    """What one chunk did: the position after it, and its successes and failures."""

    position: int
    done: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)


class Work(Protocol):
    @property
    def total(self) -> int: ...

    async def step(self, session: AsyncSession, ctx: RequestContext, position: int) -> Step: ...


class ActionInputError(Exception):
    """The stored input cannot be worked on at all: the action ends FAILED with this message."""


Prepare = Callable[[ActionInput], Work]


@dataclass(frozen=True, slots=True)
class Kind:
    prepare: Prepare
    # The result's `message` from (done, failed): "2 customer(s) imported successfully, 1 failed."
    message: Callable[[int, int], str]


_kinds: dict[str, Kind] = {}


def register_kind(action_type: str, prepare: Prepare, message: Callable[[int, int], str]) -> None:
    _kinds[action_type] = Kind(prepare, message)


def kind_of(action_type: str) -> Kind | None:
    return _kinds.get(action_type)


def _lease() -> timedelta:
    return timedelta(seconds=get_settings().async_action_lease_seconds)


# The last prepared input, so a worker that claims back the action it just handed back (the
# usual case: one import running) does not parse its file again.
_prepared: dict[tuple[str, int], Work] = {}


def work_for(action: ActionInput) -> Work:
    kind = _kinds.get(action.type)
    if kind is None:
        raise ActionInputError(f"This voucherd cannot run async actions of type {action.type}")
    key = (action.id, len(action.payload))
    work = _prepared.get(key)
    if work is None:
        _prepared.clear()
        work = kind.prepare(action)
        _prepared[key] = work
    return work


async def claim(db: Database, token: str) -> ActionInput | None:
    """Lease the next open action to `token` (one short transaction)."""
    now = utcnow()
    async with db.transaction() as session:
        claimed = await repository.claim(
            session,
            now=now,
            lease_until=now + _lease(),
            token=token,
            skip_locked=db.dialect == "postgresql",
        )
        if claimed is None:
            return None
        return ActionInput(
            id=claimed.id,
            project_id=claimed.project_id,
            type=claimed.type,
            request_id=claimed.request_id,
            payload=claimed.payload,
            params=dict(claimed.params or {}),
            position=claimed.position,
        )


async def run_one(db: Database) -> int:
    """Claim one open action and work on it for a slice; 1 when there was one, else 0."""
    token = new_id("aalease")
    action = await claim(db, token)
    if action is None:
        return 0
    try:
        await _work_on(db, action, token)
    except Exception as exc:
        if is_connection_error(exc) or is_retryable_conflict(exc):
            raise  # transient: the lease runs out and a worker resumes from the position
        if not isinstance(exc, ActionInputError):
            log.exception("async action %s (%s) failed", action.id, action.type)
        async with db.transaction() as session:
            reason = str(exc) or type(exc).__name__
            await repository.fail(session, action.id, token, reason, utcnow())
    return 1


async def _work_on(db: Database, action: ActionInput, token: str) -> None:
    work = work_for(action)
    position = action.position
    slice_ends = time.monotonic() + SLICE_SECONDS
    while True:
        release = time.monotonic() >= slice_ends
        # A chunk PostgreSQL aborted as a deadlock victim runs again at the same position.
        step = await retry_on_conflict(
            lambda: run_chunk(db, action, work, token, position, release=release),  # noqa: B023
            what=f"async action {action.id}",
        )
        if step is None or step.position >= work.total or release:
            return
        position = step.position


async def run_chunk(
    db: Database, action: ActionInput, work: Work, token: str, position: int, *, release: bool
) -> Step | None:
    """One chunk in one transaction: the guard, the rows, the new position. None (and nothing
    written) when the action is no longer ours at `position`."""
    ctx = RequestContext(project_id=action.project_id, request_id=action.request_id or action.id)
    async with db.transaction() as session:
        now = utcnow()
        if not await repository.hold(
            session, action.id, token, position, now=now, lease_until=now + _lease()
        ):
            return None  # taken over (our lease ran out): write nothing
        step = await work.step(session, ctx, position)
        await repository.advance(
            session,
            action.id,
            position=step.position,
            total=work.total,
            done=step.done,
            failed=step.failed,
            failed_cap=FAILED_LISTED,
            finished=step.position >= work.total,
            release=release,
            now=now,
        )
        return step


@register_job("async_actions.run", idle_seconds=IDLE_SECONDS)
async def run_async_actions(db: Database) -> int:
    return await run_one(db)


async def run_until_idle(db: Database, *, max_rounds: int = 10_000) -> int:
    """Run actions until none is open (tests and `voucherd` tools); how many rounds ran."""
    rounds = 0
    while rounds < max_rounds and await run_one(db):
        rounds += 1
    return rounds

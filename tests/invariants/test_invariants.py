"""The randomized invariant checker (bench/invariants), bounded, on PostgreSQL.

Concurrent clients drive random mixes of every state-changing operation through the app;
then every conservation law must hold (gift money, points ledgers, limits, publication
counts, one row and one outbox event per success, refusals that change nothing, no 5xx).
One fixed seed (a stable regression) and one fresh seed per run (new interleavings and
mixes); a failure prints the seed and the command that replays it.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

import httpx
import pytest
from bench.invariants.engine import Config, run

from tests.conftest import Backend
from tests.support import make_project
from voucherd.kit.db import Database

FIXED_SEED = 2
# Set VOUCHERD_INVARIANTS_SEED to replay the "random" run of a failed CI job.
SEED_ENV = "VOUCHERD_INVARIANTS_SEED"
OPERATIONS = 360
CLIENTS = 16


def _seeds() -> list[int]:
    chosen = os.environ.get(SEED_ENV)
    return [FIXED_SEED, int(chosen) if chosen else secrets.randbelow(1_000_000)]


@pytest.mark.parametrize("which", ["fixed", "random"])
async def test_random_concurrent_workload_keeps_every_invariant(
    which: str, backend: Backend, app: Any, db: Database
) -> None:
    if backend.name == "sqlite":
        pytest.skip(
            "SQLite has one writer at a time: concurrent requests cannot race there, so the"
            " checker would prove nothing (it runs on PostgreSQL)"
        )
    seed = _seeds()[0 if which == "fixed" else 1]
    project = await make_project(db, f"invariants-{which}")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://voucherd.test", headers=project.headers
    ) as http:
        report = await run(
            Config(seed=seed, clients=CLIENTS, operations=OPERATIONS), http, db, project.project_id
        )
    replay = (
        f"replay: {SEED_ENV}={seed} pytest tests/invariants, or"
        f" python -m bench.invariants --seed {seed} --operations {OPERATIONS}"
    )
    assert not report.violations, f"seed {seed} ({replay})\n{report.text}"

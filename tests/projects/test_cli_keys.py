"""`voucherd keys …`: operator mistakes get one line on stderr and exit code 2, never a
traceback (run as the operator does, in a process of its own against the test database)."""

from __future__ import annotations

import asyncio
import os
import sys

from sqlalchemy import func, select

from tests.conftest import ROOT, Backend
from tests.support import ProjectKeys
from voucherd.kit.db import Database
from voucherd.projects.models import ApiKey


async def _voucherd(backend: Backend, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "VOUCHERD_DATABASE_URL": backend.url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "voucherd.cli",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def _key_count(db: Database) -> int:
    async with db.transaction(write=False) as session:
        return int(await session.scalar(select(func.count()).select_from(ApiKey)) or 0)


async def test_keys_create_for_an_unknown_project_is_one_line_and_exit_code_2(
    backend: Backend, db: Database
) -> None:
    before = await _key_count(db)

    code, out, err = await _voucherd(backend, "keys", "create", "--project-id", "proj_unknown")

    assert code == 2, out + err
    assert err.strip() == "Error: no project proj_unknown (`voucherd projects list` shows them)"
    assert "Traceback" not in out + err
    assert await _key_count(db) == before


async def test_keys_create_for_a_known_project_prints_the_new_key(
    backend: Backend, db: Database, project: ProjectKeys
) -> None:
    before = await _key_count(db)

    code, out, err = await _voucherd(backend, "keys", "create", "--project-id", project.project_id)

    assert code == 0, out + err
    assert out.startswith("Id:    ") and "Token: " in out
    assert await _key_count(db) == before + 1

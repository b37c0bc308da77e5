"""The worker side of exports: claim the oldest waiting export, stream its rows into a CSV
file, record DONE (or ERROR).

Memory stays flat whatever the row count: rows come from one server-side cursor
(PostgreSQL) or SQLite's lazy cursor, `CHUNK_ROWS` at a time, and each chunk goes to the file
before the next is read. The file is written under a name private to this run and renamed
when complete, so a download never sees half a file. A worker that dies mid-file loses its
lease; the next claim starts the file again (a file is a pure function of the data, so a
second run writes the same kind of file, never a mix of two).
"""

from __future__ import annotations

import asyncio
import csv
import logging
import secrets
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from voucherd.exports import repository
from voucherd.exports.catalogue import render
from voucherd.exports.parameters import Plan, expand_metadata, plan
from voucherd.exports.service import EXPORTS_DIR
from voucherd.kit.clock import utcnow
from voucherd.kit.db import Database, is_connection_error
from voucherd.kit.errors import ApiError

log = logging.getLogger("voucherd.exports")

# Rows read and written per step: large enough that a million rows take ~1,000 round trips,
# small enough that a chunk's rows are a few hundred kilobytes.
CHUNK_ROWS = 1000
# How long a worker owns an export without renewing; renewed every third of it while rows
# flow, so only a dead (or stalled) worker's export is taken over.
LEASE = timedelta(seconds=60)
# Runs that may start for one export: a file that kills its worker every time ends as ERROR.
MAX_ATTEMPTS = 3


class LeaseLost(Exception):
    """The export was deleted, or taken over after our lease lapsed: stop writing."""


@dataclass(frozen=True)
class Claimed:
    id: str
    project_id: str
    exported_object: str
    parameters: dict[str, Any]
    scope: dict[str, str] | None
    attempts: int


async def run_next(db: Database, data_dir: Path) -> int:
    """Write the oldest waiting export's file; 1 if one was handled, 0 when none waits."""
    token = secrets.token_hex(8)
    now = utcnow()
    async with db.transaction() as session:
        export = await repository.claim_next(
            session, now=now, lease_until=now + LEASE, token=token, skip_locked=not db.is_sqlite
        )
        if export is None:
            return 0
        job = Claimed(
            export.id,
            export.project_id,
            export.exported_object,
            dict(export.parameters or {}),
            dict(export.scope) if export.scope else None,
            export.attempts,
        )
    folder = data_dir / EXPORTS_DIR / job.project_id
    part = folder / f"{job.id}.{token}.part"
    if job.attempts > MAX_ATTEMPTS:
        await _finish(db, job, token, status="ERROR", error="The export failed repeatedly")
        return 1
    try:
        rows = await write_file(db, job, token, part)
    except LeaseLost:
        part.unlink(missing_ok=True)
        return 1
    except Exception as exc:
        part.unlink(missing_ok=True)
        if is_connection_error(exc):
            raise  # the database is gone, not the export: the lease lapses, it runs again
        log.exception("export %s failed", job.id)
        detail = exc.details if isinstance(exc, ApiError) else "The export could not be written"
        await _finish(db, job, token, status="ERROR", error=(detail or "")[:1000])
        return 1
    final = folder / f"{job.id}.csv"
    part.replace(final)
    file_name = str(final.relative_to(data_dir))
    if not await _finish(db, job, token, status="DONE", file_name=file_name, row_count=rows):
        final.unlink(missing_ok=True)  # deleted (or taken over) while we wrote it
    return 1


async def _finish(db: Database, job: Claimed, token: str, **values: Any) -> bool:
    async with db.transaction() as session:
        return await repository.finish(session, job.id, token, {**values, "updated_at": utcnow()})


async def write_file(db: Database, job: Claimed, token: str, path: Path) -> int:
    """Stream the export's rows into `path`; returns the row count."""
    checked = plan(job.exported_object, job.parameters)
    if any(name == "metadata" for name, _field in checked.fields):
        checked = expand_metadata(checked, await _metadata_keys(db, checked, job))
    stmt = repository.rows_query(checked, job.project_id, job.scope)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    renew_every = LEASE.total_seconds() / 3
    next_renew = time.monotonic() + renew_every
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([name for name, _field in checked.fields])
        async with db.transaction(write=False) as session:
            result = await session.stream(stmt.execution_options(yield_per=CHUNK_ROWS))
            async for chunk in result.mappings().partitions(CHUNK_ROWS):
                writer.writerows(render(checked.fields, row) for row in chunk)
                rows += len(chunk)
                if time.monotonic() >= next_renew:
                    await _renew(db, job.id, token)
                    next_renew = time.monotonic() + renew_every
                # SQLite reads run on the event loop's thread (kit.sqlite_inline): let the
                # API answer requests between chunks.
                await asyncio.sleep(0)
    await _renew(db, job.id, token)
    return rows


async def _metadata_keys(db: Database, checked: Plan, job: Claimed) -> set[str]:
    """The metadata properties of the rows to export: a first pass over their metadata
    alone (memory grows with the distinct keys, not with the rows)."""
    only = replace(checked, fields=[("metadata", checked.source.fields["metadata"])])
    stmt = repository.rows_query(only, job.project_id, job.scope)
    keys: set[str] = set()
    async with db.transaction(write=False) as session:
        result = await session.stream(stmt.execution_options(yield_per=CHUNK_ROWS))
        async for chunk in result.mappings().partitions(CHUNK_ROWS):
            for row in chunk:
                keys.update(row["metadata"] or ())
            await asyncio.sleep(0)
    return keys


async def _renew(db: Database, export_id: str, token: str) -> None:
    now = utcnow()
    async with db.transaction() as session:
        if not await repository.renew(session, export_id, token, now + LEASE):
            raise LeaseLost(export_id)

"""An export's memory does not grow with its rows: 200,000 customers are written with the
peak of traced allocations far below the file's size (a list of the rows would be larger
than the file)."""

from __future__ import annotations

import tracemalloc

import httpx
from bench.export import FIELDS, generate_customers

from tests.exports.helpers import export_files, ok, run_exports
from tests.support import ProjectKeys
from voucherd.config import Settings
from voucherd.exports.runner import run_next
from voucherd.kit.db import Database

ROWS = 200_000


async def test_memory_stays_flat_for_200k_rows(
    client: httpx.AsyncClient, db: Database, settings: Settings, project: ProjectKeys
) -> None:
    await run_exports(db, settings)  # other tests' exports are not measured
    await generate_customers(db, project.project_id, ROWS, "mem")
    created = ok(
        await client.post(
            "/v1/exports", json={"exported_object": "customer", "parameters": {"fields": FIELDS}}
        )
    )
    tracemalloc.start()
    try:
        assert await run_next(db, settings.data_dir) == 1
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [path] = export_files(settings, created["id"])
    text = path.read_text()
    assert text.count("\n") == ROWS + 1
    assert len(text) > 20_000_000
    # About a chunk's rows at a time: well under a tenth of the file.
    assert peak < 8_000_000, f"peak {peak:,} bytes for a {len(text):,}-character file"

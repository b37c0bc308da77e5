"""Shared steps of the export tests: create, let the worker write, download, read the CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx

from voucherd.config import Settings
from voucherd.exports.runner import run_next
from voucherd.kit.db import Database


def ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


async def run_exports(db: Database, settings: Settings) -> int:
    """What the worker does: write every waiting export."""
    done = 0
    while await run_next(db, settings.data_dir):
        done += 1
    return done


async def export_rows(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    exported_object: str,
    parameters: dict[str, Any] | None = None,
) -> list[list[str]]:
    """Create an export, run the worker, download the file: header row first."""
    body: dict[str, Any] = {"exported_object": exported_object}
    if parameters is not None:
        body["parameters"] = parameters
    created = ok(await client.post("/v1/exports", json=body))
    return await finished_rows(client, db, settings, created["id"])


async def finished_rows(
    client: httpx.AsyncClient, db: Database, settings: Settings, export_id: str
) -> list[list[str]]:
    await run_exports(db, settings)
    done = ok(await client.get(f"/v1/exports/{export_id}"))
    assert done["status"] == "DONE", done
    return read_csv(await download(done["result"]["url"], client))


async def download(url: str, client: httpx.AsyncClient) -> str:
    # No API key: the link's token is the credential.
    resp = await client.get(url, headers={"X-App-Id": "", "X-App-Token": ""})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    return resp.text


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def export_files(settings: Settings, export_id: str) -> list[Path]:
    """The files of an export under the data directory (its CSV, or a run's partial file)."""
    return list((settings.data_dir / "exports").rglob(f"{export_id}*"))

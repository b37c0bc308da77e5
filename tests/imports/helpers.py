"""Shared steps of the import tests: upload, run the worker until idle, read the action."""

from __future__ import annotations

from typing import Any

import httpx

import voucherd.imports.service  # noqa: F401  (registers the import kinds)
from voucherd.async_actions.runner import run_until_idle
from voucherd.kit.db import Database


async def upload(
    client: httpx.AsyncClient,
    path: str,
    text: str | bytes,
    *,
    form: dict[str, str] | None = None,
    expect: int = 202,
) -> str:
    data = text.encode() if isinstance(text, str) else text
    r = await client.post(path, files={"file": ("import.csv", data, "text/csv")}, data=form or {})
    assert r.status_code == expect, r.text
    action_id = r.json()["async_action_id"]
    assert action_id.startswith("aa_")
    return str(action_id)


async def finish(client: httpx.AsyncClient, db: Database, action_id: str) -> dict[str, Any]:
    """Run the worker until no action is open; the action as GET shows it."""
    await run_until_idle(db)
    r = await client.get(f"/v1/async-actions/{action_id}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["status"] == "DONE", body
    return body

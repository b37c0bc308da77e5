"""Exports at the request edge: create (checked, then SCHEDULED for the worker), read with a
fresh download link, list, delete, and download through a link's token."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.exports import repository, tokens
from voucherd.exports.models import Export
from voucherd.exports.parameters import bad, plan
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import NotFound
from voucherd.kit.ids import Prefix, new_id

EXPORTS_DIR = "exports"


async def create(
    session: AsyncSession,
    ctx: RequestContext,
    exported_object: Any,
    parameters: Any,
    *,
    scope: Mapping[str, str] | None = None,
) -> Export:
    """A SCHEDULED export; a 400 naming any unknown field, filter or order (nothing stored).

    `scope` is what a shortcut path narrows the export to (a campaign, a card); a filter of
    the same key in the body would contradict the path, so it is refused.
    """
    checked = plan(exported_object, parameters)
    filters = checked.stored.get("filters") or {}
    clash = sorted(set(scope or {}) & set(filters))
    if clash:
        raise bad(f"Filter {', '.join(clash)} is set by the path of this export")
    export = Export(
        id=new_id(Prefix.EXPORT),
        project_id=ctx.project_id,
        status="SCHEDULED",
        channel="API",
        exported_object=checked.source.name,
        parameters=checked.stored,
        scope=dict(scope) if scope else None,
        download_key=secrets.token_hex(32),
        attempts=0,
        created_at=utcnow(),
    )
    session.add(export)
    await session.flush()
    return export


async def get(session: AsyncSession, ctx: RequestContext, export_id: str) -> Export:
    export = await repository.get(session, ctx.project_id, export_id)
    if export is None:
        raise NotFound("export", export_id)
    return export


def list_query(ctx: RequestContext) -> Select[Export]:
    return repository.list_query(ctx.project_id)


def download_url(export: Export, base_url: str) -> str | None:
    """A link to the file, valid for the link TTL from now; None until the file is done."""
    if export.status != "DONE" or export.file_name is None:
        return None
    token = tokens.issue(export.id, export.download_key)
    return f"{base_url.rstrip('/')}/v1/exports/{export.id}?token={token}"


async def delete(
    session: AsyncSession, ctx: RequestContext, export_id: str, data_dir: Path
) -> None:
    export = await get(session, ctx, export_id)
    file_name = export.file_name
    await repository.delete_export(session, ctx.project_id, export_id)
    if file_name is not None:
        # Removed before the commit: a failed commit leaves a DONE export without its file
        # (its download answers 404), never a file nobody can reach or delete.
        (data_dir / file_name).unlink(missing_ok=True)


async def file_for_download(
    session: AsyncSession, export_id: str, token: str, data_dir: Path, ttl_seconds: int
) -> Path:
    """The CSV file a link names, once its token is checked (no API key needed)."""
    export = await repository.get_by_id(session, export_id)
    if export is None:
        raise NotFound("export", export_id)
    tokens.check(token, export.id, export.download_key, ttl_seconds)
    if export.status != "DONE" or export.file_name is None:
        raise NotFound("export", export_id)
    path = data_dir / export.file_name
    if not path.is_file():
        raise NotFound("export", export_id)
    return path

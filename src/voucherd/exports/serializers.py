"""The export object as Voucherify answers it (`ExportsGetResponseBody`)."""

from __future__ import annotations

from typing import Any

from voucherd.exports.models import Export
from voucherd.kit.timefmt import iso


def export_body(export: Export, url: str | None) -> dict[str, Any]:
    parameters = dict(export.parameters or {})
    if export.scope:
        # What the shortcut path narrowed the export to, shown as the filter it amounts to.
        # `$is`, not the spec example's `$in: [id]`: the Python SDK types that list's items
        # as one-character strings, so an id there fails its parsing.
        filters = dict(parameters.get("filters") or {})
        for key, value in export.scope.items():
            filters[key] = {"conditions": {"$is": value}}
        parameters["filters"] = filters
    return {
        "id": export.id,
        "object": "export",
        "created_at": iso(export.created_at),
        "status": export.status,
        "channel": export.channel,
        "exported_object": export.exported_object,
        "parameters": parameters,
        "result": {"url": url} if url is not None else None,
        "user_id": None,
    }

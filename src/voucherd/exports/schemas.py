"""Request bodies of the export endpoints. `parameters` is checked field by field in
`exports.parameters` (against the exported object's enums), so it is taken as sent here."""

from __future__ import annotations

from typing import Any

from voucherd.kit.bodies import RequestBody


class ExportCreate(RequestBody):
    """`POST /v1/exports` (`ExportsCreateRequestBody`)."""

    exported_object: Any = None
    parameters: Any = None


class ShortcutExportCreate(RequestBody):
    """The per-object shortcuts (`…/transactions/export`, `/v1/orders/export`, …)."""

    parameters: Any = None

"""Segments on the wire: the full object and Voucherify's `SimpleSegment`."""

from __future__ import annotations

from typing import Any

from voucherd.kit.timefmt import iso
from voucherd.kit.wire import omit_absent
from voucherd.segments.models import Segment

# Voucherify's examples leave `updated_at` out of a segment never updated (none is: there
# is no update endpoint yet).
_OMITTED_WHEN_ABSENT = ("updated_at",)


def segment_body(segment: Segment) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": segment.id,
        "name": segment.name,
        "created_at": iso(segment.created_at),
        "updated_at": iso(segment.updated_at),
        "type": segment.type,
        # Voucherify's static example carries `"filter": null`.
        "filter": segment.filter,
        # Members are computed in the creating request (see service.create): always done.
        "initial_sync_status": "DONE",
        "object": "segment",
    }
    return omit_absent(body, _OMITTED_WHEN_ABSENT)


def simple_segment(segment: Segment) -> dict[str, Any]:
    return {"id": segment.id, "name": segment.name, "object": "segment"}

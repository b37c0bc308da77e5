"""Request bodies of the imports and bulk updates that are not arrays of existing bodies."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictStr

from voucherd.kit.bodies import RequestBody

# Rows one request may hand to the worker: Voucherify's documented bound for a voucher import
# (a campaign holds up to 100,000 codes); the byte limit (import_max_bytes) usually binds first.
MAX_ROWS = 100_000
# Voucherify: "up to 2000 orders" per import.
MAX_ORDERS = 2_000


class MetadataUpdate(RequestBody):
    """`POST /v1/products/metadata/async`: the same metadata keys set on many products."""

    # Both optional in the spec (`required: []`): without them nothing is updated, and the
    # action still reads back (the official SDK suites send neither).
    source_ids: list[StrictStr] = Field(default_factory=list, max_length=MAX_ROWS)
    metadata: dict[str, Any] = Field(default_factory=dict)


class EmptyBody(RequestBody):
    """No body at all (read as `{}`); any field in it is refused by name."""

"""Request and response bodies of /v1/segments and /v1/customers/{id}/segments."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, StrictStr

from voucherd.kit.bodies import RequestBody

# Voucherify: a static segment holds at most 20,000 customers.
MAX_STATIC_CUSTOMERS = 20_000
# Voucherify: at most 100 passive and auto-update segments per project.
MAX_DYNAMIC_SEGMENTS = 100


class SegmentCreate(RequestBody):
    name: StrictStr = Field(min_length=1, max_length=200)
    type: Literal["static", "auto-update", "passive"] | None = None
    # Checked in the service, so the 400 says how many were sent (not pydantic's wording).
    customers: list[StrictStr] | None = None
    filter: dict[str, Any] | None = None


class SegmentOut(BaseModel):
    id: str
    name: str
    created_at: str
    updated_at: str | None = None
    type: Literal["static", "auto-update", "passive"]
    filter: dict[str, Any] | None
    initial_sync_status: Literal["DONE"]
    object: Literal["segment"]


class SimpleSegmentOut(BaseModel):
    id: str
    name: str
    object: Literal["segment"]


class CustomerSegmentsListOut(BaseModel):
    object: Literal["list"]
    data_ref: Literal["data"]
    data: list[SimpleSegmentOut]
    total: int

"""Async action response bodies (`AsyncActionGetResponseBody`, `AsyncActionsListResponseBody`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class AsyncActionResult(BaseModel):
    message: str | None = None
    done_count: int
    failed_count: int
    # {row, code | source_id, field, reason}
    failed: list[dict[str, Any]]


class AsyncActionOut(BaseModel):
    id: str
    type: str
    status: str
    operation_status: str | None = None
    created_at: str
    updated_at: str | None = None
    request_id: str | None = None
    processing_time: int | None = None
    progress: int
    object: str
    result: AsyncActionResult | None = None


class AsyncActionsListOut(BaseModel):
    object: str
    data_ref: str
    async_actions: list[AsyncActionOut]
    has_more: bool


class AsyncActionCreatedOut(BaseModel):
    """What an endpoint that starts an async action answers."""

    async_action_id: str

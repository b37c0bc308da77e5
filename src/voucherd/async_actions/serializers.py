"""Async actions as Voucherify shows them (`AsyncActionBase`, `AsyncActionGetResponseBody`)."""

from __future__ import annotations

from typing import Any

from voucherd.async_actions.models import DONE, FAILED, AsyncAction
from voucherd.async_actions.runner import kind_of
from voucherd.kit.timefmt import iso
from voucherd.kit.wire import omit_absent

# Keys Voucherify leaves out while they hold nothing (kit/wire.py).
OMITTED_WHEN_ABSENT = ("operation_status", "updated_at", "processing_time", "request_id")
_OPERATION_STATUS = {DONE: "SUCCESS", FAILED: "FAILED"}


def progress(action: AsyncAction) -> int:
    if action.status == DONE:
        return 100
    if not action.total:
        return 0
    return min(99, action.position * 100 // action.total)


def result(action: AsyncAction) -> dict[str, Any]:
    kind = kind_of(action.type)
    message = action.error
    if message is None and action.status == DONE and kind is not None:
        message = kind.message(action.done_count, action.failed_count)
    return {
        "message": message,
        "done_count": action.done_count,
        "failed_count": action.failed_count,
        "failed": list(action.failed or []),
    }


def async_action_body(action: AsyncAction, *, with_result: bool = True) -> dict[str, Any]:
    processing_time = None
    if action.finished_at is not None and action.started_at is not None:
        processing_time = int((action.finished_at - action.started_at).total_seconds() * 1000)
    body: dict[str, Any] = {
        "id": action.id,
        "type": action.type,
        "status": action.status,
        # Voucherify's operation outcome once the action has ended; absent while it runs.
        "operation_status": _OPERATION_STATUS.get(action.status),
        "created_at": iso(action.created_at),
        "updated_at": iso(action.updated_at),
        "request_id": action.request_id,
        "processing_time": processing_time,
        "progress": progress(action),
        "object": "async_action",
    }
    if with_result:
        body["result"] = result(action)
    return omit_absent(body, OMITTED_WHEN_ABSENT)

"""One error hierarchy, rendered in one place as Voucherify's error body.

`{code, key, message, details, request_id}` (+ resource_id/resource_type when known), with
Voucherify's stable snake_case keys.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    status = 400
    key = "invalid_payload"
    message = "Invalid payload"

    def __init__(
        self,
        details: str | None = None,
        *,
        key: str | None = None,
        message: str | None = None,
        status: int | None = None,
        resource_id: str | None = None,
        resource_type: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(details or message or self.message)
        if key is not None:
            self.key = key
        if message is not None:
            self.message = message
        if status is not None:
            self.status = status
        self.details = details
        self.resource_id = resource_id
        self.resource_type = resource_type
        self.extra = extra or {}
        # HTTP headers the answer carries (Retry-After on a 503).
        self.headers = headers or {}

    def body(self, request_id: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.status,
            "key": self.key,
            "message": self.message,
            "details": self.details,
            "request_id": request_id,
        }
        if self.resource_id is not None:
            body["resource_id"] = self.resource_id
        if self.resource_type is not None:
            body["resource_type"] = self.resource_type
        body.update(self.extra)
        return body


class InvalidPayload(ApiError):
    status = 400
    key = "invalid_payload"
    message = "Invalid payload"


class InvalidQueryParams(ApiError):
    status = 400
    key = "invalid_query_params"
    message = "Invalid query params"


class Unauthorized(ApiError):
    status = 401
    key = "unauthorized"
    message = "Unauthorized"


class Forbidden(ApiError):
    status = 403
    key = "forbidden"
    message = "Forbidden"


class TooManyRequests(ApiError):
    """Voucherify's 429, with its rate-limit headers (`Retry-After` in seconds)."""

    status = 429
    key = "too_many_requests"
    message = "Too many requests"


class NotFound(ApiError):
    status = 404
    key = "not_found"
    message = "Resource not found"

    def __init__(self, resource_type: str, resource_id: str, *, key: str | None = None) -> None:
        super().__init__(
            f"Cannot find {resource_type} with id {resource_id}",
            key=key,
            resource_id=resource_id,
            resource_type=resource_type,
        )


class DuplicateFound(ApiError):
    status = 409
    key = "duplicate_found"
    message = "Duplicated resource found"


class PayloadTooLarge(ApiError):
    status = 413
    key = "payload_too_large"
    message = "Payload too large"


class UnsupportedMediaType(ApiError):
    status = 415
    key = "unsupported_media_type"
    message = "Unsupported media type"


class ServiceUnavailable(ApiError):
    """The database cannot be reached: nothing was done, the same request may be sent again
    once `Retry-After` seconds have passed."""

    status = 503
    key = "service_unavailable"
    message = "Service unavailable"

    def __init__(self, details: str, *, retry_after: int, key: str | None = None) -> None:
        super().__init__(details, key=key, headers={"Retry-After": str(retry_after)})


class TransactionConflict(ServiceUnavailable):
    """PostgreSQL aborted the request's transaction (deadlock or serialization failure) on
    every attempt: it was rolled back, so sending it again is safe."""

    key = "transaction_conflict"
    message = "Concurrent requests conflicted"

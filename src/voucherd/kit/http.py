"""The HTTP edge shared by every domain: request reading, the transaction, errors, ids.

- `TransactionalRoute` opens the unit of work around each endpoint: a write transaction for
  POST/PUT/DELETE, a read one for GET, committed only after the response body is built.
- Empty JSON bodies read as `{}`; bodies over the limit are refused with 413.
- Path parameters are percent-decoded after routing, so codes such as `LC 1/x` (sent by the
  SDK as `LC%201%2Fx`) reach the endpoint intact.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any
from urllib.parse import unquote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from voucherd.kit import idempotency
from voucherd.kit.context import current_request_id
from voucherd.kit.db import Database
from voucherd.kit.errors import ApiError, InvalidPayload, InvalidQueryParams, PayloadTooLarge
from voucherd.kit.ids import new_request_id
from voucherd.kit.responses import JsonResponse

log = logging.getLogger("voucherd.http")

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BODY_LIMIT_STATE_KEY = "max_body_bytes"


class VoucherdRequest(Request):
    """Reads the body once, with a size limit, and treats an empty JSON body as `{}`."""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            limit: int = self.app.state.settings.max_body_bytes
            declared = self.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise PayloadTooLarge(f"Request body exceeds {limit} bytes")
            chunks: list[bytes] = []
            size = 0
            async for chunk in self.stream():
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"Request body exceeds {limit} bytes")
                chunks.append(chunk)
            body = b"".join(chunks)
            if not body.strip() and self.method not in READ_METHODS:
                # The SDK sends `Content-Type: application/json` with no body on some calls
                # (and no content type at all on others); both read as an empty object.
                body = b"{}"
                self._declare_json()
            self._body = body
        return self._body

    def _declare_json(self) -> None:
        # FastAPI parses a body as JSON only when the content type says so; a bodiless POST
        # (the SDK's rollback sends none) must still reach an optional body model as `{}`.
        headers = [(k, v) for k, v in self.scope["headers"] if k.lower() != b"content-type"]
        headers.append((b"content-type", b"application/json"))
        self.scope["headers"] = headers
        self.__dict__.pop("_headers", None)


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_session_of(request: Request) -> AsyncSession:
    session: AsyncSession = request.state.session
    return session


async def get_session(request: Request) -> AsyncSession:
    """The session of the unit of work `TransactionalRoute` opened for this request.

    `async` only so FastAPI calls it inline: a plain `def` dependency is sent to the thread
    pool on every request (a thread hop each time, ~0.1 ms on the hot paths)."""
    return get_session_of(request)


class TransactionalRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def transactional_handler(request: Request) -> Response:
            request = VoucherdRequest(request.scope, request.receive)
            params = request.scope.get("path_params")
            if params:
                request.scope["path_params"] = {
                    k: unquote(v) if isinstance(v, str) else v for k, v in params.items()
                }
            if request.method not in READ_METHODS:
                # Read (and size-check) the body here: inside FastAPI's handler any error while
                # reading becomes a generic 400, and we owe a 413.
                await request.body()
            db = get_db(request)
            async with db.transaction(write=request.method not in READ_METHODS) as session:
                request.state.session = session
                # Idempotency-Key (kit/idempotency.py): replays a stored answer, or stores this
                # one in this unit of work; without the header just `await handler(request)`.
                return await idempotency.run(session, request, handler, self.after_refusal)

        return transactional_handler

    async def after_refusal(self, session: AsyncSession, error: ApiError) -> None:
        """Work a refused request owes once its changes are undone, in its own unit of work
        (only when an Idempotency-Key keeps that unit of work open to store the refusal)."""


class RequestIdAndRawPathMiddleware:
    """Gives each request its id and routes on raw path segments.

    Starlette routes on the decoded path, where `%2F` has already become `/` and would split
    a code in two. We decode each raw segment but keep `/` and `%` escaped, and
    `TransactionalRoute` finishes decoding the matched parameters.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw: bytes | None = scope.get("raw_path")
        if raw and b"%" in raw:
            path = raw.decode("latin-1").split("?", 1)[0]
            scope["path"] = "/".join(
                unquote(segment).replace("%", "%25").replace("/", "%2F")
                for segment in path.split("/")
            )
        token = current_request_id.set(new_request_id())
        try:
            await self.app(scope, receive, send)
        finally:
            current_request_id.reset(token)


def _error_response(error: ApiError) -> JsonResponse:
    return JsonResponse(error.body(current_request_id.get()), status_code=error.status)


def _describe_validation_errors(errors: Sequence[Any]) -> str:
    parts = []
    for err in errors[:10]:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        where = ".".join(loc) or "body"
        if err.get("type") == "json_invalid":
            parts.append(f"Malformed JSON: {err.get('ctx', {}).get('error', 'cannot parse')}")
        else:
            parts.append(f"{where}: {err.get('msg', 'invalid value')}")
    return "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    async def on_api_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return _error_response(exc)

    async def on_validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        in_query = any(e.get("loc", ("",))[0] in ("query", "path") for e in errors)
        details = _describe_validation_errors(errors)
        error = InvalidQueryParams(details) if in_query else InvalidPayload(details)
        return _error_response(error)

    async def on_http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        keys = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}
        message = {404: "Resource not found", 405: "Method not allowed"}.get(
            exc.status_code, str(exc.detail)
        )
        return _error_response(
            ApiError(
                str(exc.detail),
                key=keys.get(exc.status_code, "error"),
                message=message,
                status=exc.status_code,
            )
        )

    async def on_unexpected(_request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return _error_response(
            ApiError("Unexpected error", key="internal_error", message="Internal error", status=500)
        )

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)

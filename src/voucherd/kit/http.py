"""The HTTP edge shared by every domain: request reading, the transaction, errors, ids.

- `TransactionalRoute` opens the unit of work around each endpoint: a write transaction for
  POST/PUT/DELETE, a read one for GET, committed only after the response body is built.
- Empty JSON bodies read as `{}`; bodies over the limit are refused with 413.
- Path parameters are percent-decoded after routing, so codes such as `LC 1/x` (sent by the
  SDK as `LC%201%2Fx`) reach the endpoint intact.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.message
import json
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, ClassVar
from urllib.parse import unquote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from voucherd.kit import idempotency
from voucherd.kit.context import current_request_id
from voucherd.kit.db import (
    CONFLICT_ATTEMPTS,
    Database,
    conflict_backoff,
    describe_error,
    is_connection_error,
    is_retryable_conflict,
)
from voucherd.kit.errors import (
    ApiError,
    InvalidPayload,
    InvalidQueryParams,
    PayloadTooLarge,
    ServiceUnavailable,
    TransactionConflict,
)
from voucherd.kit.ids import new_request_id
from voucherd.kit.payload import check_params, parse_json
from voucherd.kit.responses import JsonResponse

log = logging.getLogger("voucherd.http")

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Retry-After of a 503: a lost database usually takes longer to come back than a request
# that lost a deadlock on every attempt (its rivals are done within milliseconds).
UNAVAILABLE_RETRY_AFTER_SECONDS = 5
CONFLICT_RETRY_AFTER_SECONDS = 1
BODY_LIMIT_STATE_KEY = "voucherd.body_limit_setting"


class VoucherdRequest(Request):
    """Reads the body once, with a size limit, and treats an empty JSON body as `{}`."""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            # The route's limit (TransactionalRoute.body_limit_setting): imports take files.
            setting = self.scope.get(BODY_LIMIT_STATE_KEY, "max_body_bytes")
            limit: int = getattr(self.app.state.settings, setting)
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

    async def json(self) -> Any:
        """The body's JSON, refused (InvalidPayload) when it holds a value the engines cannot
        store (kit.payload)."""
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json

    def replay(self) -> VoucherdRequest:
        """A new request object over the same scope and the already read body, for running
        the handler again (its state and parsed JSON start afresh)."""
        again = VoucherdRequest(self.scope, self.receive)
        if hasattr(self, "_body"):
            again._body = self._body
        return again


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


Handler = Callable[[Request], Coroutine[Any, Any, Response]]
AfterRefusal = idempotency.AfterRefusal


class TransactionalRoute(APIRoute):
    # The setting that bounds this route's request bodies (413 above it).
    body_limit_setting: ClassVar[str] = "max_body_bytes"
    # False: a POST that changes nothing (a qualification) runs in a read-only unit of work,
    # which on SQLite does not queue behind the single writer.
    writes: ClassVar[bool] = True

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        reads_json = self.body_field is not None
        body_limit_setting = self.body_limit_setting

        async def transactional_handler(request: Request) -> Response:
            request.scope[BODY_LIMIT_STATE_KEY] = body_limit_setting
            request = VoucherdRequest(request.scope, request.receive)
            params = request.scope.get("path_params")
            if params:
                request.scope["path_params"] = {
                    k: unquote(v) if isinstance(v, str) else v for k, v in params.items()
                }
            # Refused here, before any handler, so both engines answer alike (see kit.payload).
            check_params("path", request.path_params.items())
            check_params("query", request.query_params.multi_items())
            if request.method not in READ_METHODS:
                # Read (and size-check) the body here: inside FastAPI's handler any error while
                # reading becomes a generic 400, and we owe a 413.
                await request.body()
                if reads_json and _is_json(request):
                    await _check_json(request)
            # An Idempotency-Key stores the answer: that needs a writing unit of work.
            write = None if self.writes or idempotency.HEADER in request.headers else False
            return await run_transaction(request, handler, self.after_refusal, write=write)

        return transactional_handler

    async def after_refusal(self, session: AsyncSession, error: ApiError) -> None:
        """Work a refused request owes once its changes are undone, in its own unit of work
        (only when an Idempotency-Key keeps that unit of work open to store the refusal)."""


async def run_transaction(
    request: VoucherdRequest,
    handler: Handler,
    after_refusal: AfterRefusal,
    *,
    write: bool | None = None,
) -> Response:
    """Run `handler` in a unit of work, again in a fresh one when PostgreSQL aborted it as a
    deadlock victim or for a serialization failure (the body is cached, so the request can be
    replayed); a database outage answers 503 instead of 500."""
    attempt = 1
    state = dict(request.scope.get("state") or {})
    while True:
        try:
            return await _run_once(request, handler, after_refusal, write)
        except Exception as exc:
            if is_retryable_conflict(exc):
                if attempt >= CONFLICT_ATTEMPTS:
                    log.warning(
                        "%s %s: transaction conflict on all %d attempts (request_id=%s)",
                        request.method,
                        request.url.path,
                        attempt,
                        current_request_id.get(),
                    )
                    raise TransactionConflict(
                        "The request conflicted with concurrent requests and was rolled back; "
                        "nothing changed. Send it again.",
                        retry_after=CONFLICT_RETRY_AFTER_SECONDS,
                    ) from exc
            elif not isinstance(exc, ApiError) and is_connection_error(exc):
                raise _unavailable(exc) from exc
            else:
                raise
        await asyncio.sleep(conflict_backoff(attempt))
        attempt += 1
        # Nothing of the failed attempt may leak into the next: a fresh request object (the
        # state the attempt set: session, auth context) and a freshly parsed body (a handler
        # may have changed the parsed one). Its deferred outbox rows went with its rollback
        # (kit.deferred drops them when the unit of work ends without COMMIT).
        request.scope["state"] = dict(state)
        request = request.replay()


async def _run_once(
    request: Request, handler: Handler, after_refusal: AfterRefusal, write: bool | None = None
) -> Response:
    db = get_db(request)
    writes = request.method not in READ_METHODS if write is None else write
    async with db.transaction(write=writes) as session:
        request.state.session = session
        # Idempotency-Key (kit/idempotency.py): replays a stored answer, or stores this one in
        # this unit of work; without the header just `await handler(request)`. A retried
        # attempt claims the key again: the failed attempt's claim went with its rollback.
        return await idempotency.run(session, request, handler, after_refusal)


def _is_json(request: Request) -> bool:
    """Whether FastAPI will parse this body as JSON (its own test, kept in step)."""
    content_type = request.headers.get("content-type")
    if not content_type:
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


async def _check_json(request: Request) -> None:
    # Malformed JSON is left to FastAPI, which parses again and words the error as it does.
    with contextlib.suppress(json.JSONDecodeError):
        await request.json()


def _unavailable(exc: BaseException) -> ServiceUnavailable:
    log.warning(
        "database unavailable (request_id=%s): %s", current_request_id.get(), describe_error(exc)
    )
    return ServiceUnavailable(
        "The database cannot be reached; retry later.",
        retry_after=UNAVAILABLE_RETRY_AFTER_SECONDS,
    )


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
        request_id = new_request_id()
        token = current_request_id.set(request_id)
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            # Handled here, inside the request id's context, rather than by an `Exception`
            # handler: Starlette runs that one in ServerErrorMiddleware, outside every user
            # middleware (the id already reset, so the body said `request_id: null`), and then
            # re-raises, so uvicorn drops the connection while a pipelined request on it still
            # runs, its answer lost. Answered here, the 500 is an ordinary response and the
            # connection carries on.
            if started:
                # Half a response is out: only closing the connection (uvicorn does, on the
                # re-raise) tells the client it is incomplete.
                log.exception(
                    "unhandled error after the response started (request_id=%s)", request_id
                )
                raise
            response = _unexpected_response(scope, exc, request_id)
            await response(scope, receive, send)
        finally:
            current_request_id.reset(token)


def _unexpected_response(scope: Scope, exc: Exception, request_id: str) -> Response:
    error: ApiError
    if is_connection_error(exc):
        # Routes outside TransactionalRoute (none today but /health, which answers its own 503)
        # get the same answer for an outage.
        error = _unavailable(exc)
    else:
        log.error(
            "unhandled error in %s %s (request_id=%s)",
            scope.get("method"),
            scope.get("path"),
            request_id,
            exc_info=exc,
        )
        error = ApiError(
            "Unexpected error", key="internal_error", message="Internal error", status=500
        )
    return JsonResponse(error.body(request_id), status_code=error.status, headers=error.headers)


def _error_response(error: ApiError) -> JsonResponse:
    return JsonResponse(
        error.body(current_request_id.get()), status_code=error.status, headers=error.headers
    )


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
        # Only errors outside RequestIdAndRawPathMiddleware get here (it answers the others).
        log.error("unhandled error outside the request middleware", exc_info=exc)
        return _error_response(
            ApiError("Unexpected error", key="internal_error", message="Internal error", status=500)
        )

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)


class ReadOnlyRoute(TransactionalRoute):
    """A POST that only reads (qualifications): a read-only unit of work."""

    writes: ClassVar[bool] = False

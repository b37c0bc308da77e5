"""voucherd's own `/openapi.json`, made honest in one place rather than on every endpoint.

FastAPI's generated document declares a `422` nobody ever receives (kit/http renders every
validation error as Voucherify's 400), no error answer at all, and `{}` for every answer an
endpoint builds by hand. `finalize` fixes all three:
* drops the 422s and FastAPI's validation-error components;
* declares the errors voucherd sends, each with Voucherify's error body (`Error`);
* for every operation Voucherify's API also has, declares Voucherify's success schema (the
  vendored `openapi_responses.json`, see kit/openapi_vendor.py) under voucherd's own status,
  and the values Voucherify enumerates for a query parameter (`order`, ...) where ours is a
  free string.
Our own extension endpoints keep the response models they declare.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from voucherd.kit.openapi_vendor import METHODS, REF, VENDORED, schema_refs, shape

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "Voucherify's error body.",
    "required": ["code", "key", "message", "details", "request_id"],
    "properties": {
        "code": {"type": "integer", "description": "The HTTP status, repeated."},
        "key": {"type": "string", "description": "A stable snake_case error key."},
        "message": {"type": "string"},
        "details": {"type": ["string", "null"]},
        "request_id": {"type": ["string", "null"]},
        "resource_id": {"type": "string"},
        "resource_type": {"type": "string"},
    },
}
ERRORS = {
    "400": "Invalid request: a parameter or body field, named in `details`",
    "401": "Missing or invalid credentials",
    "403": "The OAuth token's scope does not cover this path",
    "404": "A resource the request names does not exist",
    "409": "A duplicate, or a change the resource's state refuses",
    "413": "The request body is larger than the server accepts",
    "503": "The database is unavailable; retry after `Retry-After` seconds",
}
FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


@cache
def vendored() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VENDORED.read_text(encoding="utf-8"))
    return data


def _error_statuses(method: str, path: str) -> list[str]:
    """The error statuses an operation can answer (kit/errors.py, kit/http.py, projects/auth)."""
    if not path.startswith(("/v1/", "/management/")):
        return ["503"]  # /health: no input, no key
    statuses = ["400", "401", "404", "503"]
    if path.startswith("/v1/") and not path.startswith("/v1/oauth/"):
        statuses.append("403")
    if method != "get":
        statuses += ["409", "413"]
    return sorted(statuses)


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"{REF}Error"}}},
    }


def _with_vendored_components(schema: dict[str, Any], source: dict[str, Any]) -> None:
    """Adds the vendored components the document reaches (and only those)."""
    components = schema["components"]["schemas"]
    pending: set[str] = set()
    schema_refs(schema["paths"], pending)
    while pending:
        name = pending.pop()
        if name in components or name not in source:
            continue
        components[name] = source[name]
        schema_refs(source[name], pending)


def _success(responses: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Voucherify's schema for each of our success answers: the one for the same status, or
    Voucherify's only one (a status voucherd chose differently, its body the same)."""
    for status, response in responses.items():
        if not status.startswith("2") or status == "204":
            continue
        schema = theirs.get(status) or (next(iter(theirs.values())) if len(theirs) == 1 else None)
        if schema is not None:
            response.setdefault("content", {}).setdefault("application/json", {})
            response["content"]["application/json"]["schema"] = schema


def _enumerated(operation: dict[str, Any], enums: dict[str, list[Any]]) -> None:
    for parameter in operation.get("parameters", []):
        values = enums.get(parameter.get("name"))
        if parameter.get("in") == "query" and values is not None:
            schema = parameter.get("schema", {})
            types = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
            if "string" in types:
                parameter["schema"] = {"type": "string", "enum": values}


def finalize(schema: dict[str, Any], source: dict[str, Any] | None = None) -> dict[str, Any]:
    """`schema` (FastAPI's document, changed in place) as voucherd really answers."""
    source = source or vendored()
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            key = f"{method.upper()} {shape(path)}"
            responses: dict[str, Any] = operation.setdefault("responses", {})
            responses.pop("422", None)
            _success(responses, source["responses"].get(key, {}))
            _enumerated(operation, source["query"].get(key, {}))
            for status in _error_statuses(method, path):
                responses.setdefault(status, _error(ERRORS[status]))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_VALIDATION:
        components.pop(name, None)
    components["Error"] = ERROR_SCHEMA
    _with_vendored_components(schema, source["components"])
    schema["components"]["schemas"] = dict(sorted(components.items()))
    return schema

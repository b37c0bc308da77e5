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
    "403": "Not allowed: an OAuth token's scope, a client key's origin or switches",
    "404": "A resource the request names does not exist",
    "409": "A duplicate, or a change the resource's state refuses",
    "413": "The request body is larger than the server accepts",
    "429": "Too many requests from this address; retry after `Retry-After` seconds",
    "503": "The database is unavailable; retry after `Retry-After` seconds",
}
FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


@cache
def vendored() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VENDORED.read_text(encoding="utf-8"))
    return data


def _error_statuses(method: str, path: str) -> list[str]:
    """The error statuses an operation can answer (kit/errors.py, kit/http.py, projects/auth)."""
    if not path.startswith(("/v1/", "/management/", "/client/")):
        return ["503"]  # /health: no input, no key
    statuses = ["400", "401", "404", "503"]
    if path.startswith(("/v1/", "/client/")) and not path.startswith("/v1/oauth/"):
        statuses.append("403")
    if path.startswith("/client/"):
        statuses.append("429")  # the per-IP limit of publishable keys
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


# Voucher assets answer the image itself.
IMAGE_RESPONSE: dict[str, Any] = {
    "description": "The code drawn as a QR code or a Code 128 barcode",
    "content": {
        kind: {"schema": {"type": "string", "format": "binary"}}
        for kind in ("image/png", "image/svg+xml")
    },
}

# Operations Voucherify's current spec lacks that answer like one it has.
ALIASES = {"/client/v1/publish": "/v1/publications"}


def _true_to_us(components: dict[str, Any]) -> None:
    """Where Voucherify's schemas contradict its own examples and text, our document states
    what voucherd answers (the contract test excuses the same points in
    tests/contract/allowances.py, each with its reason)."""
    # A filter condition's operand is a value or a list (`$is: "v_…"`, `$in: [...]`); the
    # spec's `Any` types every operand as a list.
    if "vf_Any" in components:
        listed = components["vf_Any"]
        components["vf_Any"] = {"anyOf": [listed, listed.get("items", {})], "title": "Any"}
    # The metadata-schema list names its array `schemas` but requires `data`.
    listing = components.get("vf_MetadataSchemasListResponseBody", {})
    if "data" in listing.get("required", []):
        listing["required"] = [k for k in listing["required"] if k != "data"]
    # Export field lists take `metadata.<key>` (the spec's text and examples) beside the enum.
    for name, component in components.items():
        if name.startswith("vf_Export"):
            _fields_take_metadata_keys(component)


def _fields_take_metadata_keys(node: Any) -> None:
    if isinstance(node, dict):
        fields = node.get("fields")
        items = fields.get("items") if isinstance(fields, dict) else None
        if isinstance(fields, dict) and isinstance(items, dict) and "enum" in items:
            fields["items"] = {"anyOf": [items, {"type": "string", "pattern": "^metadata\\..+"}]}
        for value in node.values():
            _fields_take_metadata_keys(value)
    elif isinstance(node, list):
        for value in node:
            _fields_take_metadata_keys(value)


def finalize(schema: dict[str, Any], source: dict[str, Any] | None = None) -> dict[str, Any]:
    """`schema` (FastAPI's document, changed in place) as voucherd really answers."""
    source = source or vendored()
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            key = f"{method.upper()} {shape(ALIASES.get(path, path))}"
            responses: dict[str, Any] = operation.setdefault("responses", {})
            responses.pop("422", None)
            _success(responses, source["responses"].get(key, {}))
            _enumerated(operation, source["query"].get(key, {}))
            for status in _error_statuses(method, path):
                responses.setdefault(status, _error(ERRORS[status]))
            if path.startswith("/v1/assets/") and method == "get":
                responses["200"] = IMAGE_RESPONSE
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_VALIDATION:
        components.pop(name, None)
    components["Error"] = ERROR_SCHEMA
    _with_vendored_components(schema, source["components"])
    _true_to_us(schema["components"]["schemas"])
    schema["components"]["schemas"] = dict(sorted(components.items()))
    return schema

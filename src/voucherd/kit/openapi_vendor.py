"""Builds `openapi_responses.json`: the success-response schemas of Voucherify's OpenAPI, which
voucherd's own `/openapi.json` declares for the operations it shares with Voucherify
(kit/openapi.py).

The reference spec sits beside the repository (`../shared/reference/voucherify-openapi.json`)
and is not there at runtime, so a trimmed copy is vendored into the package; run
`python -m voucherd.kit.openapi_vendor [path-to-spec]` after the spec changes
(`tests/kit/test_openapi.py` fails while the copy is stale).

The copy is Voucherify's schemas made true of what voucherd sends, in OpenAPI 3.1 terms (our
document is 3.1; Voucherify's is 3.0):
* `nullable: true` becomes a `null` type (3.1 has no `nullable`);
* `oneOf` becomes `anyOf`: its branches overlap (no discriminator), so a valid object matches
  several and `oneOf` refuses it;
* the keys Voucherify's own response examples return as `null` although the schema types them
  as objects or arrays are nullable (tests/contract/allowances.py lists the same quirk);
* examples are dropped (they are most of the size), and component names get a `vf_` prefix so
  they never meet ours.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

METHODS = ("get", "put", "post", "delete", "patch")
PREFIX = "vf_"
REF = "#/components/schemas/"
VENDORED = Path(__file__).with_name("openapi_responses.json")
DEFAULT_SPEC = Path(__file__).resolve().parents[3] / "../shared/reference/voucherify-openapi.json"
# Keys the spec types as objects/arrays while its own response examples return them as null.
EXAMPLE_NULLS = frozenset(
    {"validity_timeframe", "validity_day_of_week", "validity_hours", "discount", "gift"}
)
DROPPED = frozenset({"example", "examples"})


def shape(path: str) -> str:
    """A path with its parameters blanked (`/v1/campaigns/{}`): Voucherify's parameter names
    are not ours."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    kind = node.get("type")
    if isinstance(kind, str) and not {"anyOf", "allOf", "$ref"} & node.keys():
        widened = {**node, "type": [kind, "null"]}
        if "enum" in node and None not in node["enum"]:
            widened["enum"] = [*node["enum"], None]
        return widened
    return {"anyOf": [node, {"type": "null"}]}


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in DROPPED or key == "nullable":
            continue
        if key == "$ref" and isinstance(value, str) and value.startswith(REF):
            out[key] = REF + PREFIX + value[len(REF) :]
        elif key == "properties" and isinstance(value, dict):
            out[key] = {
                name: _nullable(_convert(prop)) if name in EXAMPLE_NULLS else _convert(prop)
                for name, prop in value.items()
            }
        else:
            out["anyOf" if key == "oneOf" else key] = _convert(value)
    return _nullable(out) if node.get("nullable") is True else out


def schema_refs(node: Any, found: set[str]) -> None:
    """Adds to `found` the component names `node` refers to (`#/components/schemas/<name>`)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF):
            found.add(ref[len(REF) :])
        for value in node.values():
            schema_refs(value, found)
    elif isinstance(node, list):
        for value in node:
            schema_refs(value, found)


def _query_enums(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, list[Any]]:
    """The operation's query parameters that take one of a list of values (`order`, ...)."""
    enums: dict[str, list[Any]] = {}
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        schema = parameter.get("schema", {})
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        if parameter.get("in") == "query" and schema.get("type") == "string" and "enum" in schema:
            enums[parameter["name"]] = schema["enum"]
    return enums


def build(spec: dict[str, Any]) -> dict[str, Any]:
    """`{"responses": {"GET /v1/x/{}": {"200": schema, …}}, "query": {"GET /v1/x": {"order":
    [values]}}, "components": …}`: every operation's JSON success responses, its enumerated
    query parameters, and the components they reach."""
    responses: dict[str, Any] = {}
    query: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            key = f"{method.upper()} {shape(path)}"
            for status, response in operation.get("responses", {}).items():
                media = response.get("content", {}).get("application/json")
                if status.startswith("2") and media and "schema" in media:
                    responses.setdefault(key, {})[status] = _convert(media["schema"])
            if enums := _query_enums(spec, operation):
                query[key] = enums
    schemas = spec.get("components", {}).get("schemas", {})
    reached: set[str] = set()
    pending: set[str] = set()
    schema_refs(responses, pending)
    while pending:
        name = pending.pop()
        if name in reached or name.removeprefix(PREFIX) not in schemas:
            continue
        reached.add(name)
        schema_refs(_convert(schemas[name.removeprefix(PREFIX)]), pending)
    components = {name: _convert(schemas[name.removeprefix(PREFIX)]) for name in sorted(reached)}
    return {
        "responses": dict(sorted(responses.items())),
        "query": dict(sorted(query.items())),
        "components": components,
    }


def render(vendored: dict[str, Any]) -> str:
    return json.dumps(vendored, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def main(argv: list[str]) -> None:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SPEC
    VENDORED.write_text(render(build(json.loads(source.read_text()))), encoding="utf-8")
    print(f"wrote {VENDORED} from {source}")


if __name__ == "__main__":
    main(sys.argv)

"""Pure checks of an object's metadata against its metadata schema (no database).

A definition is stored in the Management API's snake_case form (`object_type`, `min_length`,
...). `violations` lists every way a metadata object breaks a schema, each naming its key, so
the write that carries it can be refused with a 400 before anything is stored.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

TYPES = ("string", "number", "object", "date", "datetime", "geopoint", "boolean", "image_url")
# Constraints Voucherify's Management API allows per type (its spec: lengths for strings,
# comparisons and `ne` for numbers, `eq` for both).
LENGTHS = ("min_length", "max_length", "exact_length")
BOUNDS = ("lt", "lte", "gt", "gte")
CONSTRAINTS_BY_TYPE: Mapping[str, frozenset[str]] = {
    "string": frozenset({*LENGTHS, "eq"}),
    "number": frozenset({*BOUNDS, "eq", "ne"}),
}

Definition = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Schema:
    related_object: str
    properties: Mapping[str, Definition]
    # True: keys without a (live) definition are refused. Voucherify's flag restricts creating
    # new metadata keys; voucherd applies it to API writes as well, where a key is "created".
    allow_defined_only: bool = False


@dataclass(frozen=True, slots=True)
class Violation:
    key: str
    problem: str

    def __str__(self) -> str:
        return f"{self.key} {self.problem}"


def live(properties: Mapping[str, Definition]) -> dict[str, Definition]:
    """The definitions in force: a `deleted` one is kept for display only."""
    return {k: d for k, d in properties.items() if not d.get("deleted")}


def definition_problems(definition: Mapping[str, Any]) -> list[str]:
    """Why a definition cannot be stored (empty when it can): an unknown type, or a
    constraint its type does not take, or lengths and bounds that contradict each other."""
    kind = definition.get("type")
    if kind not in TYPES:
        return [f"type must be one of {', '.join(TYPES)}"]
    allowed = CONSTRAINTS_BY_TYPE.get(kind, frozenset())
    problems = [
        f"{name} is not allowed for type {kind}"
        for name in (*LENGTHS, *BOUNDS, "eq", "ne")
        if definition.get(name) is not None and name not in allowed
    ]
    low, high = definition.get("min_length"), definition.get("max_length")
    if low is not None and high is not None and low > high:
        problems.append("min_length must not exceed max_length")
    if definition.get("object_type") is not None and kind != "object":
        problems.append("object_type is allowed for type object only")
    return problems


def violations(
    schema: Schema,
    metadata: Mapping[str, Any],
    nested: Callable[[str], Schema | None] = lambda _name: None,
    *,
    prefix: str = "metadata",
    top: bool = True,
) -> list[Violation]:
    """Every way `metadata` breaks `schema`, keys named `metadata.<key>`.

    `nested` finds the custom schema an `object` definition's `object_type` names; the
    objects it describes are checked one level down (Voucherify allows no deeper nesting)."""
    found: list[Violation] = []
    defined = live(schema.properties)
    for key, definition in defined.items():
        value = metadata.get(key)
        name = f"{prefix}.{key}"
        if value is None:
            # JSON null reads as absent: SDKs send null for a key the caller left unset.
            if definition.get("optional") is False:
                found.append(Violation(name, "is required"))
            continue
        found.extend(_check_value(name, definition, value, nested, top))
    if schema.allow_defined_only:
        found.extend(
            Violation(f"{prefix}.{key}", f"is not defined in the {schema.related_object} schema")
            for key in metadata
            if key not in defined
        )
    return found


def _check_value(
    name: str,
    definition: Definition,
    value: Any,
    nested: Callable[[str], Schema | None],
    may_nest: bool,
) -> list[Violation]:
    if definition.get("array"):
        if not isinstance(value, list):
            return [Violation(name, "must be an array")]
        found: list[Violation] = []
        for index, item in enumerate(value):
            found.extend(_check_one(f"{name}[{index}]", definition, item, nested, may_nest))
        return found
    return _check_one(name, definition, value, nested, may_nest)


def _check_one(
    name: str,
    definition: Definition,
    value: Any,
    nested: Callable[[str], Schema | None],
    may_nest: bool,
) -> list[Violation]:
    kind = definition["type"]
    if not TYPE_TESTS[kind](value):
        return [Violation(name, f"must be {_ARTICLE[kind]}")]
    if kind == "object":
        inner = nested(definition["object_type"]) if definition.get("object_type") else None
        if inner is None or not may_nest:
            return []
        return violations(inner, value, prefix=name, top=False)
    problems = _constraint_problems(definition, value)
    return [Violation(name, problem) for problem in problems]


def _constraint_problems(definition: Definition, value: Any) -> list[str]:
    problems: list[str] = []
    eq, ne = definition.get("eq"), definition.get("ne")
    if eq and value not in eq:
        problems.append(f"must be one of {_listing(eq)}")
    if ne and value in ne:
        problems.append(f"must not be any of {_listing(ne)}")
    if isinstance(value, str):
        size = len(value)
        if (n := definition.get("exact_length")) is not None and size != n:
            problems.append(f"must be exactly {n} characters long")
        if (n := definition.get("min_length")) is not None and size < n:
            problems.append(f"must be at least {n} characters long")
        if (n := definition.get("max_length")) is not None and size > n:
            problems.append(f"must be at most {n} characters long")
    elif _is_number(value):
        for op, holds, words in _BOUND_TESTS:
            if (bound := definition.get(op)) is not None and not holds(value, bound):
                problems.append(f"must be {words} {bound}")
    return problems


_BOUND_TESTS: Sequence[tuple[str, Callable[[Any, Any], bool], str]] = (
    ("lt", lambda v, b: v < b, "less than"),
    ("lte", lambda v, b: v <= b, "less than or equal to"),
    ("gt", lambda v, b: v > b, "greater than"),
    ("gte", lambda v, b: v >= b, "greater than or equal to"),
)


def _listing(values: Sequence[Any]) -> str:
    return ", ".join(str(v) for v in values)


def _is_number(value: Any) -> bool:
    # bool is an int in Python, but `true` is not a number in JSON.
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and (not isinstance(value, float) or math.isfinite(value))
    )


def _parses(parse: Callable[[str], object], value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True


def _is_date(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 10 and _parses(date.fromisoformat, value)


def _is_datetime(value: Any) -> bool:
    # ISO 8601 as Voucherify writes it (`2024-05-13T10:24:01.084Z`); a bare date is a date.
    return isinstance(value, str) and len(value) > 10 and _parses(datetime.fromisoformat, value)


def _is_image_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _in_range(lat: Any, lng: Any) -> bool:
    return _is_number(lat) and _is_number(lng) and -90 <= lat <= 90 and -180 <= lng <= 180


def _is_geopoint(value: Any) -> bool:
    """A GeoJSON point (`{"type": "Point", "coordinates": [lng, lat]}`) or `{lat, lng}`:
    Voucherify documents the type but not its value, so both common forms are taken."""
    if not isinstance(value, dict):
        return False
    if value.get("type") == "Point":
        coords = value.get("coordinates")
        return isinstance(coords, list) and len(coords) == 2 and _in_range(coords[1], coords[0])
    return _in_range(value.get("lat"), value.get("lng", value.get("lon")))


TYPE_TESTS: Mapping[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "date": _is_date,
    "datetime": _is_datetime,
    "image_url": _is_image_url,
    "geopoint": _is_geopoint,
}

_ARTICLE = {
    "string": "a string",
    "number": "a number",
    "boolean": "a boolean",
    "object": "an object",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a datetime (ISO 8601)",
    "image_url": "an http(s) image URL",
    "geopoint": "a geopoint",
}

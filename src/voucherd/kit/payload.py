"""What the edge accepts from a request, before any handler: values both engines can store.

Each refused value used to reach the database or the JSON encoder and answer 500:
- integers outside signed 64 bits (orjson cannot encode them; BIGINT cannot hold them),
- lone UTF-16 surrogates such as `"\\ud800"` (not encodable as UTF-8 at all),
- NUL (`\\u0000`): PostgreSQL's text and json cannot hold it, SQLite can, so the engines
  disagreed; refused in body strings and keys, path parameters and query strings,
- nesting deeper than `MAX_DEPTH` (orjson stops at 255 levels, and stored objects are nested
  again inside event payloads),
- NaN and Infinity, which are not JSON (Python's parser accepts them).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from voucherd.kit.errors import InvalidPayload, InvalidQueryParams

# Voucherify's own payloads nest less than 10 levels; events wrap a stored object in about
# 8 more, which keeps every stored value well inside orjson's 255.
MAX_DEPTH = 64
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


class _Refused(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"number {text[:40]} is out of range")
    return value


def _int(text: str) -> int:
    # Checked on the digits, before Python builds a huge integer from them.
    if len(text) > 20 or not _INT_MIN <= int(text) <= _INT_MAX:
        raise _Refused(f"integer {text[:40]}{'...' if len(text) > 40 else ''} is outside 64 bits")
    return int(text)


def string_problem(value: str) -> str | None:
    """Why PostgreSQL (or UTF-8) cannot store `value`; None when it can."""
    if "\x00" in value:
        return "contains a NUL character (\\u0000)"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "contains a lone surrogate (not valid Unicode)"
    return None


def _check(value: Any, where: str, depth: int) -> None:
    if isinstance(value, str):
        problem = string_problem(value)
        if problem is not None:
            raise InvalidPayload(f"{where}: string {problem}")
    elif isinstance(value, dict):
        if depth >= MAX_DEPTH:
            raise InvalidPayload(f"{where}: nested deeper than {MAX_DEPTH} levels")
        for key, item in value.items():
            problem = string_problem(key)
            if problem is not None:
                raise InvalidPayload(f"{where}: key {key!r} {problem}")
            _check(item, f"{where}.{key}", depth + 1)
    elif isinstance(value, list):
        if depth >= MAX_DEPTH:
            raise InvalidPayload(f"{where}: nested deeper than {MAX_DEPTH} levels")
        for index, item in enumerate(value):
            _check(item, f"{where}[{index}]", depth + 1)


def parse_json(body: bytes) -> Any:
    """The body's JSON value; InvalidPayload for a value no engine should store.

    Malformed JSON raises json.JSONDecodeError as `json.loads` does, so FastAPI words the
    error as for any other request."""
    try:
        value = json.loads(
            body, parse_int=_int, parse_float=_float, parse_constant=_refuse_constant
        )
    except _Refused as exc:
        raise InvalidPayload(f"body: {exc}") from None
    except RecursionError:
        raise InvalidPayload(f"body: nested deeper than {MAX_DEPTH} levels") from None
    except UnicodeDecodeError as exc:
        # json.loads decodes bytes itself (UTF-8/16/32 by their first bytes): bytes that are
        # none of these are not JSON at all.
        raise InvalidPayload(f"body: not UTF-8 encoded JSON ({exc.reason})") from None
    _check(value, "body", 0)
    return value


def check_params(kind: str, pairs: Iterable[tuple[str, Any]]) -> None:
    """Refuse path or query parameters PostgreSQL cannot store (a NUL, `%00`)."""
    for name, value in pairs:
        for text in (name, value):
            problem = string_problem(text) if isinstance(text, str) else None
            if problem is not None:
                raise InvalidQueryParams(f"{kind} parameter {name!r} {problem}")

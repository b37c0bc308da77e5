"""JSON responses encoded with orjson: fast, and it refuses Decimal values by design."""

from __future__ import annotations

import json
import logging
from typing import Any

import orjson
from starlette.responses import Response

log = logging.getLogger("voucherd.http")


def _fallback(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except orjson.JSONEncodeError as exc:
            # Values orjson refuses but JSON can carry (integers beyond 64 bits, a lone
            # surrogate, nesting past 255 levels: stored before the edge refused them) still
            # answer: the standard library writes them as plain numbers and \u escapes.
            # A Decimal or any other non-JSON type still raises (`_fallback`): that is a bug.
            log.warning("response needed the slow JSON encoder: %s", exc)
            return json.dumps(
                content,
                ensure_ascii=True,
                allow_nan=False,
                separators=(",", ":"),
                default=_fallback,
            ).encode()


def json_response(content: Any, status_code: int = 200) -> JsonResponse:
    return JsonResponse(content, status_code=status_code)

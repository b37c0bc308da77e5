"""JSON responses encoded with orjson: fast, and it refuses Decimal values by design."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_response(content: Any, status_code: int = 200) -> JsonResponse:
    return JsonResponse(content, status_code=status_code)

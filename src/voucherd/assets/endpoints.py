"""`GET /v1/assets/{qr|barcode}/{id}`: the image of a voucher code, public like Voucherify's
`dl.voucherify.io/api/v1/assets/...` links (they go into emails), opened by the sealed id."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from voucherd.assets.links import current_cipher
from voucherd.assets.render import (
    DEFAULT_SIZE,
    MAX_SIZE,
    MEDIA_TYPES,
    MIN_SIZE,
    NotDrawable,
    render,
)
from voucherd.kit.errors import ApiError, NotFound, ServiceUnavailable

router = APIRouter(tags=["assets"])

# An id always draws the same image: caches may keep it for a year without asking again.
CACHE_CONTROL = "public, max-age=31536000, immutable"


@router.get(
    "/v1/assets/{kind}/{asset_id}",
    responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}},
)
async def get_asset(
    kind: Literal["qr", "barcode"],
    asset_id: str,
    request: Request,
    format: Annotated[Literal["png", "svg"], Query()] = "png",
    size: Annotated[int, Query(ge=MIN_SIZE, le=MAX_SIZE)] = DEFAULT_SIZE,
) -> Response:
    cipher = current_cipher()
    if cipher is None:
        raise ServiceUnavailable("The asset key cannot be read; retry later.", retry_after=5)
    code = cipher.code(kind, asset_id)
    if code is None:
        # Forged, altered or of the other kind: indistinguishable from an unknown id.
        raise NotFound("asset", asset_id[:64])
    etag = (
        '"' + hashlib.sha256(f"{kind}/{asset_id}/{format}/{size}".encode()).hexdigest()[:32] + '"'
    )
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    try:
        image = render(kind, code, format, size)
    except NotDrawable as exc:
        raise ApiError(
            f"This code cannot be drawn as a Code 128 barcode: {exc}",
            key="invalid_code",
            message="Invalid code",
            status=422,
        ) from exc
    return Response(image, media_type=MEDIA_TYPES[format], headers=headers)

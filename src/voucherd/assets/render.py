"""Images of a code: QR (segno) and Code 128 barcodes (python-barcode), as PNG or SVG."""

from __future__ import annotations

import io
from functools import lru_cache

import barcode
import segno
from barcode.errors import BarcodeError
from barcode.writer import ImageWriter, SVGWriter

MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
# Voucherify's `size` runs 1..100; ours is the pixels per QR module and scales the
# barcode's bars alike. 5 draws a 8-character code's QR at about 150 px.
MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 1, 100, 5
# A bar per size step of 0.1 mm at the writer's 300 dpi (~1.2 px), height in proportion.
_BAR_MM = 0.1
_HEIGHT_MM = 3.0
# Bars stop growing here: a size-100 barcode would be a 12,000 px wide image (memory for
# nothing; a QR at 100 stays near 3,000 px square).
MAX_BARCODE_SCALE = 20


class NotDrawable(ValueError):
    """The code holds characters the symbology cannot carry (Code 128 is Latin-1 only)."""


@lru_cache(maxsize=512)
def render(kind: str, code: str, fmt: str, size: int) -> bytes:
    """The image bytes; cached, since a campaign's emails fetch the same images repeatedly."""
    out = io.BytesIO()
    if kind == "qr":
        # Error correction M (segno's default with boost): survives print smudges.
        segno.make(code, micro=False).save(out, kind=fmt, scale=size, border=4)
        return out.getvalue()
    size = min(size, MAX_BARCODE_SCALE)
    writer = ImageWriter() if fmt == "png" else SVGWriter()
    try:
        symbol = barcode.get("code128", code, writer=writer)
    except BarcodeError as exc:
        raise NotDrawable(str(exc)) from exc
    symbol.write(
        out,
        options={
            "module_width": _BAR_MM * size,
            "module_height": _HEIGHT_MM * size,
            "font_size": max(1, 2 * size),
            "text_distance": max(1.0, 0.8 * size),
            "quiet_zone": 1.0 * size,
        },
    )
    return out.getvalue()

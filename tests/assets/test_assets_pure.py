"""Asset ids and images without a server: ids seal the code (nothing forged opens), and the
images decode back to the code (zxing-cpp reads them)."""

from __future__ import annotations

import io
import secrets

import pytest
import segno
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from voucherd.assets.render import MAX_SIZE, NotDrawable, render
from voucherd.assets.tokens import AssetCipher

CIPHER = AssetCipher(secrets.token_bytes(64))
codes = st.text(min_size=1, max_size=40).filter(lambda c: "\x00" not in c)


def decoded(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


@given(codes)
def test_an_id_opens_to_its_code_for_its_kind_only(code: str) -> None:
    qr, bar = CIPHER.token("qr", code), CIPHER.token("barcode", code)
    assert CIPHER.code("qr", qr) == code and CIPHER.code("barcode", bar) == code
    assert qr != bar
    assert CIPHER.code("barcode", qr) is None and CIPHER.code("qr", bar) is None
    # Stable (images cache), and the code is not readable from it.
    assert CIPHER.token("qr", code) == qr
    assert code not in qr or len(code) < 4


@given(codes, st.data())
def test_an_altered_or_foreign_id_opens_nothing(code: str, data: st.DataObject) -> None:
    token = CIPHER.token("qr", code)
    at = data.draw(st.integers(0, len(token) - 1))
    swapped = "A" if token[at] != "A" else "B"
    assert CIPHER.code("qr", token[:at] + swapped + token[at + 1 :]) is None
    other = AssetCipher(secrets.token_bytes(64))
    assert other.code("qr", token) is None


def test_an_id_has_one_spelling() -> None:
    # A 1-character code seals to 17 bytes: 23 characters, the last with 2 spare bits that
    # decode alike whatever they hold.
    token = CIPHER.token("qr", "A")
    assert len(token) == 23
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    variant = token[:-1] + alphabet[alphabet.index(token[-1]) ^ 1]
    assert CIPHER.code("qr", token) == "A"
    assert CIPHER.code("qr", variant) is None


@pytest.mark.parametrize("token", ["", "not base64 !", "A" * 5000, "AAAA", "%%%"])
def test_garbage_ids_open_nothing(token: str) -> None:
    assert CIPHER.code("qr", token) is None
    assert CIPHER.code("pdf", CIPHER.token("qr", "X")) is None


@pytest.mark.parametrize("code", ["H0h9royZ", "LC 1/x", "zażółć-10%"])
def test_the_qr_png_decodes_to_the_code_and_the_svg_draws_segnos_matrix(code: str) -> None:
    assert decoded(render("qr", code, "png", 5)) == [code]
    svg = render("qr", code, "svg", 5).decode()
    assert svg.startswith("<?xml") and "<svg" in svg
    # The SVG is segno's own drawing of the same symbol.
    expected = io.BytesIO()
    segno.make(code, micro=False).save(expected, kind="svg", scale=5, border=4)
    assert svg == expected.getvalue().decode()


@pytest.mark.parametrize("code", ["H0h9royZ", "LC 1/x", "PROMO-2024"])
def test_the_code128_png_decodes_to_the_code(code: str) -> None:
    png = render("barcode", code, "png", 5)
    assert decoded(png) == [code]
    assert b"<svg" in render("barcode", code, "svg", 5)


def test_size_scales_the_image_and_barcodes_stop_growing() -> None:
    def width(png: bytes) -> int:
        return Image.open(io.BytesIO(png)).size[0]

    assert width(render("qr", "X1", "png", 2)) * 2 == width(render("qr", "X1", "png", 4))
    assert width(render("barcode", "X1", "png", 2)) < width(render("barcode", "X1", "png", 4))
    big = render("barcode", "X1", "png", MAX_SIZE)
    assert width(big) == width(render("barcode", "X1", "png", 20))


def test_code128_cannot_carry_every_code() -> None:
    with pytest.raises(NotDrawable):
        render("barcode", "zażółć", "png", 5)

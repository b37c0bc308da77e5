"""Asset ids: a voucher code sealed with AES-SIV, so an asset URL reveals no code and no one
without the installation's key can make one (no enumeration of codes by URL).

AES-SIV is deterministic: one code has one id per kind, so a voucher's asset URLs are stable
and images cache. The kind is authenticated data: a QR id does not open the barcode route.
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

KINDS = ("qr", "barcode")
# Versioned, so a future change of scheme can tell its ids from these.
_CONTEXT = b"voucherd-asset-v1"
# A code is at most a few hundred characters; anything longer is not one of our ids.
MAX_TOKEN_LENGTH = 2048


class AssetCipher:
    def __init__(self, key: bytes) -> None:
        # 64 bytes: AES-256-SIV.
        self._siv = AESSIV(key)
        self.token = lru_cache(maxsize=4096)(self._token)

    def _token(self, kind: str, code: str) -> str:
        sealed = self._siv.encrypt(code.encode(), [_CONTEXT, kind.encode()])
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()

    def code(self, kind: str, token: str) -> str | None:
        """The code sealed in `token` for `kind`, or None for anything we did not make."""
        if kind not in KINDS or not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        try:
            sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            # One spelling per id: base64's last character has spare bits, and a variant
            # differing only there would decode alike (another URL for the same image).
            if base64.urlsafe_b64encode(sealed).rstrip(b"=").decode() != token:
                return None
            return self._siv.decrypt(sealed, [_CONTEXT, kind.encode()]).decode()
        except (InvalidTag, ValueError, binascii.Error, UnicodeDecodeError):
            return None

"""Download tokens: `…/v1/exports/{id}?token=…` works for a while without API keys.

A token is the export id signed (itsdangerous, HMAC-SHA256) with the export's own random key,
stamped with the time it was issued; it is refused once older than the link TTL, when forged,
or when it was made for another export. Deleting the export deletes its key, so every link
to it dies with it. Time comes from kit.clock, so tests can let a link expire.
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from voucherd.kit.clock import utcnow
from voucherd.kit.errors import ApiError

# Separates these signatures from any other use of the same key.
_SALT = "voucherd.exports.download"


class _ClockSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


class _Serializer(URLSafeTimedSerializer):
    default_signer = _ClockSigner


class InvalidDownloadToken(ApiError):
    status = 403
    key = "forbidden"
    message = "Forbidden"


def issue(export_id: str, key: str) -> str:
    return _Serializer(key, salt=_SALT).dumps(export_id)


def check(token: str, export_id: str, key: str, ttl_seconds: int) -> None:
    """Raise InvalidDownloadToken unless `token` is a live token of this export."""
    try:
        signed = _Serializer(key, salt=_SALT).loads(token, max_age=ttl_seconds)
    except SignatureExpired:
        raise InvalidDownloadToken(
            "The download link has expired: get the export again for a new link"
        ) from None
    except BadSignature:
        raise InvalidDownloadToken("The download link is not valid for this export") from None
    if signed != export_id:
        raise InvalidDownloadToken("The download link is not valid for this export")

"""API secrets are stored as SHA-256 digests and compared in constant time.

Tokens are 256-bit random strings, so a fast hash is enough (no password stretching needed).
"""

from __future__ import annotations

import hashlib
import hmac


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, token_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), token_hash)

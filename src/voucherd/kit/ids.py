"""Voucherify-style prefixed ids (`cust_…`, `ord_…`), generated in one place.

Ids are time-ordered: 12 hex digits of milliseconds since the epoch, then random hex, so
sorting by id follows creation order and `starting_after_id` pagination is a range scan.
"""

from __future__ import annotations

import base64
import secrets
import time

# 14 hex digits = 56 random bits per millisecond: collisions are negligible even when a bulk
# job creates 100,000 ids in the same second.
_RANDOM_HEX = 14


_RANDOM_LIMIT = 16**_RANDOM_HEX
_last_millis = 0
_last_random = 0


def new_id(prefix: str) -> str:
    """`prefix_` + 12 hex digits of milliseconds + 14 of randomness.

    Within one millisecond the random part counts up from its first draw (as monotonic
    ULIDs do), so ids made by this process sort in creation order even when a request
    writes several rows in the same millisecond (its events, for one).
    """
    global _last_millis, _last_random
    millis = time.time_ns() // 1_000_000
    if millis <= _last_millis and _last_random + 1 < _RANDOM_LIMIT:
        millis, rand = _last_millis, _last_random + 1
    else:
        rand = secrets.randbelow(_RANDOM_LIMIT // 2)  # leaves room to count up
    _last_millis, _last_random = millis, rand
    return f"{prefix}_{millis:012x}{rand:0{_RANDOM_HEX}x}"


def new_tracking_id() -> str:
    """Voucherify's `track_…` id of a validation or redemption that names a customer
    (seed 002's form: base64 of 16 random bytes)."""
    return f"{Prefix.TRACKING}_" + base64.b64encode(secrets.token_bytes(16)).decode()


def new_request_id() -> str:
    """Request / group ids look like Voucherify's `v-0a88…`."""
    return f"v-{secrets.token_hex(9)}"


def new_token() -> str:
    """An API secret: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


class Prefix:
    CUSTOMER = "cust"
    PRODUCT = "prod"
    SKU = "sku"
    ORDER = "ord"
    ORDER_ITEM = "ordli"
    CAMPAIGN = "camp"
    VOUCHER = "v"
    REDEMPTION = "r"
    ROLLBACK = "rr"
    # Voucherify gives failed redemptions their own prefix (`rf_0c5bd3c1…` in its docs).
    FAILED_REDEMPTION = "rf"
    PUBLICATION = "pub"
    REWARD = "rew"
    REWARD_ASSIGNMENT = "rewa"
    REWARD_REDEMPTION = "rewr"
    EARNING_RULE = "ern"
    LOYALTY_TIER = "ltr"
    PENDING_POINTS = "lopp"
    POINTS_BUCKET = "lopb"
    VOUCHER_TRANSACTION = "vtx"
    CATEGORY = "cat"
    PRODUCT_COLLECTION = "pc"
    VALIDATION_RULE = "val"
    RULE_ASSIGNMENT = "asgm"
    # Referral programs: a conversion, a code holder (Voucherify's `rh_`), referrer reward
    # tiers and the grants of their rewards (our own API).
    REFERRAL = "rfr"
    REDEEMABLE_HOLDER = "rh"
    REFERRAL_TIER = "rt"
    REFERRAL_GRANT = "rtg"
    PROMOTION_TIER = "promo"
    PROMOTION_STACK = "stack"
    PERMANENT_DELETION = "del"
    CONSOLE_USER = "usr"
    AUDIT = "aud"
    SEGMENT = "seg"
    STACKING_RULES = "stk"
    EVENT = "evcus"
    WEBHOOK = "wh"
    SENDOUT = "whs"
    PROJECT = "proj"
    TRACKING = "track"
    VALIDATION = "valid"
    # A validation session's key when the request gives none (Voucherify's `ssn_…`).
    SESSION = "ssn"
    ASYNC_ACTION = "aa"
    METADATA_SCHEMA = "ms"
    EXPORT = "exp"
    API_KEY = "key"
    OAUTH_TOKEN = "oat"

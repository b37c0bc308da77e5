"""OAuth scopes (pure): which scope values exist and which `/v1/*` paths a token may call.

Voucherify's scopes are the first path segment they open (`vouchers` opens `/v1/vouchers…`),
`api` opens the whole server-side API, and the `client_*` scopes open `/client/v1/…`, which
voucherd does not serve, so they are accepted but open nothing here.
"""

from __future__ import annotations

from voucherd.kit.errors import InvalidPayload

SERVER_API = "api"
# The spec's `X-Voucherify-OAuth` scopes, in its spelling.
SCOPES = frozenset(
    {
        "api",
        "assets",
        "async-actions",
        "campaigns",
        "categories",
        "client_api",
        "client_consents",
        "client_customers",
        "client_events",
        "client_promotions",
        "client_publish",
        "client_qualifications",
        "client_redeem",
        "client_redemptions",
        "client_validate",
        "client_validations",
        "client_vouchers",
        "consents",
        "customers",
        "events",
        "exports",
        "locations",
        "loyalties",
        "metadata-schemas",
        "orders",
        "product-collections",
        "products",
        "promotions",
        "publications",
        "qualifications",
        "redemptions",
        "referrals",
        "rewards",
        "segments",
        "SKUs",
        "task-results",
        "templates",
        "trash-bin",
        "validation-rules-assignments",
        "validation-rules",
        "validations",
        "vouchers",
    }
)


def parse_scope(raw: str | None) -> tuple[str, ...]:
    """The scope values of a token request (space-delimited); `api` when the request has no
    `scope`. Unknown values are refused, naming them."""
    # Spaces only, as OAuth 2.0 says: a comma or tab makes an unknown value, refused below.
    raw = SERVER_API if raw is None else raw
    values = tuple(dict.fromkeys(value for value in raw.split(" ") if value))
    if not values:
        raise InvalidPayload("scope is empty: give space-delimited values", key="invalid_scope")
    unknown = [v for v in values if v not in SCOPES]
    if unknown:
        raise InvalidPayload(
            f"Unknown scope value(s): {', '.join(unknown)}; separate values with spaces",
            key="invalid_scope",
        )
    return values


def allows(scope: tuple[str, ...], path: str) -> bool:
    """Whether a token with `scope` may call `path` (a `/v1/...` path)."""
    if SERVER_API in scope:
        return True
    parts = path.split("/", 3)
    if len(parts) < 3 or parts[1] != "v1":
        return False
    segment = parts[2].lower()
    return any(value.lower() == segment for value in scope if not value.startswith("client_"))

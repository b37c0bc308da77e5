"""The OAuth operations' forms and answers, as the JS SDK's OAuthApi models them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from voucherd.oauth.scopes import SCOPES

_SCOPE = "(" + "|".join(sorted(SCOPES)) + ")"
TOKEN_FORM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "scope": {
            "type": "string",
            "description": "Space-delimited scope values (`api` when absent)",
            "pattern": f"^ *{_SCOPE}( +{_SCOPE})* *$",
        },
    },
}
INTROSPECT_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["access_token"],
    "properties": {"access_token": {"type": "string", "minLength": 1}},
}


class OAuthTokenOut(BaseModel):
    access_token: str
    client_id: str
    expires_at: int
    expires_in: int
    scope: str
    token_type: Literal["Bearer"]


class OAuthIntrospectOut(BaseModel):
    """An inactive token's answer is `{"active": false}` alone (RFC 7662)."""

    active: bool
    access_token: str | None = None
    client_id: str | None = None
    expires_at: int | None = None
    expires_in: int | None = None
    scope: str | None = None
    token_type: Literal["Bearer"] | None = None

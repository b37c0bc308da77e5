"""`/v1/oauth/token`, `/v1/oauth/introspect`, `/v1/oauth/token/revoke` (the JS SDK's OAuthApi).

The SDK sends `application/x-www-form-urlencoded` bodies, as OAuth 2.0 says; a JSON object
is read as well. Only App keys reach these operations (never a bearer token: auth.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from starlette.responses import Response

from voucherd.kit.errors import InvalidPayload
from voucherd.kit.http import TransactionalRoute, get_session_of
from voucherd.kit.responses import JsonResponse
from voucherd.oauth import service
from voucherd.oauth.schemas import (
    INTROSPECT_FORM,
    TOKEN_FORM,
    OAuthIntrospectOut,
    OAuthTokenOut,
)
from voucherd.projects.auth import AppContext, forget_grant

router = APIRouter(prefix="/v1/oauth", tags=["oauth"], route_class=TransactionalRoute)

FORM = "application/x-www-form-urlencoded"


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if request.headers.get("content-type", FORM).split(";")[0].strip().lower() == FORM:
        try:
            return dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False))
        except UnicodeDecodeError as exc:
            raise InvalidPayload("The form body is not UTF-8") from exc
    parsed: Any = await request.json()
    if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
        raise InvalidPayload("Send the parameters as a form or a JSON object of strings")
    return parsed


def _form_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"content": {FORM: {"schema": schema}}}}


@router.post("/token", response_model=OAuthTokenOut, openapi_extra=_form_body(TOKEN_FORM))
async def generate_token(request: Request, ctx: AppContext) -> Response:
    body = await service.issue(get_session_of(request), ctx, await _form(request))
    return JsonResponse(body)


@router.post(
    "/introspect", response_model=OAuthIntrospectOut, openapi_extra=_form_body(INTROSPECT_FORM)
)
async def introspect_token(request: Request, ctx: AppContext) -> Response:
    body = await service.introspect(get_session_of(request), ctx, await _form(request))
    return JsonResponse(body)


@router.post(
    "/token/revoke",
    status_code=204,
    response_class=Response,
    openapi_extra=_form_body(INTROSPECT_FORM),
)
async def revoke_token(request: Request, ctx: AppContext) -> Response:
    forget_grant(await service.revoke(get_session_of(request), ctx, await _form(request)))
    return Response(status_code=204)

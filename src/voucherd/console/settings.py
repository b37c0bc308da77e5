"""`/console/settings`: the project's API keys (create, revoke; a token is shown once) and
console users. Admins only; every change is audited (never with a token in it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from voucherd.console import service as console
from voucherd.console.models import ROLES
from voucherd.console.web import (
    CurrentViewer,
    FormError,
    NotAllowed,
    Viewer,
    checked_form,
    page,
    redirect,
)
from voucherd.kit.errors import ApiError
from voucherd.kit.http import TransactionalRoute, get_session_of
from voucherd.projects import service as projects

router = APIRouter(prefix="/console", route_class=TransactionalRoute, include_in_schema=False)


def _admin(who: Viewer) -> None:
    if not who.can("admin"):
        raise NotAllowed(f"Settings are for admins; your role is {who.user.role}.")


async def _page(
    request: Request, who: Viewer, issued: projects.IssuedKey | None = None
) -> Response:
    session = get_session_of(request)
    return page(
        "settings.html",
        who=who,
        nav="settings",
        keys=await projects.project_keys(session, who.user.project_id),
        users=await console.list_users(session, who.user.project_id),
        roles=ROLES,
        issued=issued,
    )


@router.get("/settings")
async def settings(request: Request, who: CurrentViewer) -> Response:
    _admin(who)
    return await _page(request, who)


@router.post("/settings/keys")
async def create_key(request: Request, who: CurrentViewer) -> Response:
    form = await checked_form(request, who, role="admin")
    kind = str(form.get("kind") or "app")
    client = None
    if kind == "client":
        origins = [o.strip() for o in str(form.get("origins") or "").split() if o.strip()]
        if not origins or not all(
            o == projects.ClientSettings.ANY_ORIGIN or projects.is_origin(o) for o in origins
        ):
            raise FormError("Give the origins a client key answers, like https://shop.example")
        client = projects.ClientSettings(
            origins=tuple(
                o if o == projects.ClientSettings.ANY_ORIGIN else projects.normalise_origin(o)
                for o in origins
            ),
            allow_redeem=form.get("allow_redeem") == "on",
            allow_publish=form.get("allow_publish") == "on",
        )
    elif kind != "app":
        raise FormError("A key is an app key or a client key.")
    session = get_session_of(request)
    issued = await projects.issue_key(
        session, kind=kind, project_id=who.user.project_id, client=client
    )
    await console.audit(
        session, who.user, "api_key.create", object_type="api_key", object_id=issued.key_id,
        after={"kind": kind, **(client.stored() if client else {})},
    )  # fmt: skip
    # The token is in this one answer only (stored hashed); not cached by the browser.
    return await _page(request, who, issued=issued)


@router.post("/settings/keys/{key_id}/revoke")
async def revoke_key(request: Request, key_id: str, who: CurrentViewer) -> Response:
    await checked_form(request, who, role="admin")
    session = get_session_of(request)
    if not await projects.revoke_project_key(session, who.user.project_id, key_id):
        raise FormError(f"No active key {key_id} in this project.")
    await console.audit(
        session, who.user, "api_key.revoke", object_type="api_key", object_id=key_id
    )
    return redirect("/console/settings")


@router.post("/settings/users")
async def create_user(request: Request, who: CurrentViewer) -> Response:
    form = await checked_form(request, who, role="admin")
    session = get_session_of(request)
    try:
        user = await console.create_user(
            session,
            project_id=who.user.project_id,
            email=str(form.get("email") or ""),
            password=str(form.get("password") or ""),
            role=str(form.get("role") or ""),
        )
    except ApiError as exc:
        raise FormError(str(exc)) from None
    await console.audit(
        session, who.user, "console_user.create", object_type="console_user", object_id=user.id,
        after={"email": user.email, "role": user.role},
    )  # fmt: skip
    return redirect("/console/settings")

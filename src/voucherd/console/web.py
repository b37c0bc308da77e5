"""The console's web plumbing: templates, the session cookie, CSRF, roles, security headers."""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from importlib.resources import files
from typing import Annotated, Any

from fastapi import Depends, Request
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response

from voucherd.console import service
from voucherd.console.models import ROLES, ConsoleSession, ConsoleUser
from voucherd.kit.context import RequestContext, current_request_id
from voucherd.kit.http import get_session_of
from voucherd.kit.ids import new_request_id
from voucherd.projects import service as projects

SESSION_COOKIE = "voucherd_console"
LOGIN_CSRF_COOKIE = "voucherd_login_csrf"

# Autoescaping everywhere: campaign names, metadata and customer data are user input.
templates = Environment(
    loader=PackageLoader("voucherd.console", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
# Shown as text (autoescaped): tojson's \u003c escapes are safe but unreadable.
templates.filters["as_json"] = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)
STYLESHEET = files("voucherd.console").joinpath("static/console.css").read_bytes()

_SECURITY_HEADERS = {
    # No script or style from anywhere but here, no framing (clickjacking), no referrer leaks.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class LoginRequired(Exception):
    """Answered with a redirect to the login page (see `install`)."""


class NotAllowed(Exception):
    """The user's role does not allow this: answered with a 403 page."""


class FormError(Exception):
    """A form's input is wrong: answered with a 400 page saying what to fix."""


@dataclass(frozen=True)
class Viewer:
    user: ConsoleUser
    session: ConsoleSession
    timezone: str = "UTC"  # the project's: days on reports are its days

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token

    @property
    def ctx(self) -> RequestContext:
        """The services' context for what this user does: Voucherify's dashboard channel."""
        return RequestContext(
            project_id=self.user.project_id,
            request_id=current_request_id.get() or new_request_id(),
            channel="USER_PORTAL",
            timezone=self.timezone,
        )

    def can(self, role: str) -> bool:
        """admin > editor > viewer."""
        return ROLES.index(self.user.role) <= ROLES.index(role)


def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = templates.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers=_SECURITY_HEADERS)


def redirect(to: str) -> RedirectResponse:
    return RedirectResponse(to, status_code=303, headers=_SECURITY_HEADERS)


def secure(request: Request) -> bool:
    """Cookies are Secure when the console is reached over TLS (directly or, with uvicorn's
    proxy headers, behind a proxy that terminated it)."""
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(service.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        secure=secure(request),
        samesite="lax",
        path="/console",
    )


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)


def same_token(given: object, expected: str | None) -> bool:
    return (
        isinstance(given, str)
        and expected is not None
        and hmac.compare_digest(given.encode(), expected.encode())
    )


async def viewer(request: Request) -> Viewer:
    found = await service.current(get_session_of(request), request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise LoginRequired()
    timezone = await projects.timezone_of(get_session_of(request), found[1].project_id)
    return Viewer(user=found[1], session=found[0], timezone=timezone)


CurrentViewer = Annotated[Viewer, Depends(viewer)]


async def checked_form(request: Request, who: Viewer, *, role: str) -> dict[str, Any]:
    """A POSTed form, after the CSRF token and the role are checked."""
    form = await request.form()
    if not same_token(form.get("csrf_token"), who.csrf_token):
        raise NotAllowed("The form has expired: reload the page and try again.")
    if not who.can(role):
        raise NotAllowed(f"Your role ({who.user.role}) cannot do this.")
    return dict(form)

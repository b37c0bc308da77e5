"""`/console`: log in and out, the home page, the audit log."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response

from voucherd.console import (
    campaign_page,
    campaign_programs,
    campaigns,
    customers,
    liability,
    service,
    stacking,
    webhooks,
)
from voucherd.console import home as home_page
from voucherd.console import inspector as inspector_page
from voucherd.console import settings as settings_pages
from voucherd.console import simulator as simulator_page
from voucherd.console.web import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    STYLESHEET,
    CurrentViewer,
    FormError,
    LoginRequired,
    NotAllowed,
    checked_form,
    new_login_csrf,
    page,
    redirect,
    same_token,
    secure,
    set_session_cookie,
)
from voucherd.kit.http import TransactionalRoute, get_session_of
from voucherd.kit.ratelimit import RateLimiter

router = APIRouter(prefix="/console", route_class=TransactionalRoute, include_in_schema=False)

# Per API process and IP address, on top of the per-account lock after 5 failures: slows
# one machine guessing many accounts' passwords.
_login_attempts = RateLimiter(20)


@router.get("/static/console.css")
async def stylesheet() -> Response:
    return Response(
        STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/login")
async def login_form(request: Request) -> Response:
    token = new_login_csrf()
    response = page("login.html", csrf_token=token, error=None)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, secure=secure(request), samesite="strict",
        path="/console",
    )  # fmt: skip
    return response


@router.post("/login")
async def log_in(request: Request) -> Response:
    form = await request.form()
    token = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not same_token(form.get("csrf_token"), token):
        return page("login.html", 400, csrf_token=token, error="The form expired: try again.")
    ip = request.client.host if request.client else "unknown"
    if not _login_attempts.take(ip).allowed:
        return page("login.html", 429, csrf_token=token, error="Too many attempts: wait a minute.")
    email, password = form.get("email"), form.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        return page("login.html", 400, csrf_token=token, error="Give an email and a password.")
    session = get_session_of(request)
    result = await service.log_in(session, email, password)
    if result.user is None:
        # 200-class page with the failure counted: the transaction commits the count.
        return page("login.html", 401, csrf_token=token, error=result.problem)
    opened = await service.open_session(session, result.user)
    await service.audit(session, result.user, "login")
    response = redirect("/console")
    set_session_cookie(response, request, opened.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
    return response


@router.post("/logout")
async def log_out(request: Request, who: CurrentViewer) -> Response:
    await checked_form(request, who, role="viewer")
    await service.close_session(get_session_of(request), request.cookies.get(SESSION_COOKIE))
    response = redirect("/console/login")
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


@router.get("")
async def home(request: Request, who: CurrentViewer) -> Response:
    numbers = await home_page.home(get_session_of(request), who.user.project_id, who.ctx.zone)
    return page("home.html", who=who, home=numbers, nav="home")


@router.get("/audit")
async def audit(request: Request, who: CurrentViewer) -> Response:
    entries = await service.audit_log(get_session_of(request), who.user.project_id)
    return page("audit.html", who=who, entries=entries, nav="audit")


def install(app: FastAPI) -> None:
    """Mount the console and answer its two exceptions as pages, not API errors."""
    app.include_router(router)
    app.include_router(customers.router)
    app.include_router(webhooks.router)
    app.include_router(liability.router)
    app.include_router(settings_pages.router)
    app.include_router(campaigns.router)  # before campaign_page: /campaigns/new is no id
    app.include_router(campaign_programs.router)  # before campaign_page: /{id}/tiers
    app.include_router(campaign_page.router)
    app.include_router(stacking.router)
    app.include_router(inspector_page.router)
    app.include_router(simulator_page.router)

    async def to_login(_request: Request, _exc: Exception) -> Response:
        return redirect("/console/login")

    async def not_allowed(_request: Request, exc: Exception) -> Response:
        return page("error.html", 403, message=str(exc) or "Not allowed.")

    async def form_error(_request: Request, exc: Exception) -> Response:
        return page("error.html", 400, title="Please check the form", message=str(exc))

    app.add_exception_handler(LoginRequired, to_login)
    app.add_exception_handler(FormError, form_error)
    app.add_exception_handler(NotAllowed, not_allowed)

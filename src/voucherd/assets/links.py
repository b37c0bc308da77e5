"""The `assets` of a voucher: `{qr: {id, url}, barcode: {id, url}}`, with absolute URLs on
this installation (`VOUCHERD_PUBLIC_URL`, else the base URL of the request being served).

The serializer is synchronous and runs in requests and in the worker, so what it needs (the
asset key, the base URL) is made ready beforehand: per request by `AssetLinksMiddleware`,
per worker by `install_default`.
"""

from __future__ import annotations

import logging
import secrets
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.types import ASGIApp, Receive, Scope, Send

from voucherd.assets.tokens import AssetCipher
from voucherd.config import Settings, get_settings
from voucherd.kit.db import Database
from voucherd.kit.secrets import derive, stored_secret

log = logging.getLogger("voucherd.assets")

ASSET_PATH = "/v1/assets"
_PURPOSE = "voucher-assets"


@dataclass(frozen=True, slots=True)
class Links:
    base_url: str
    cipher: AssetCipher

    def of(self, code: str) -> dict[str, Any]:
        return {kind: self._asset(kind, code) for kind in ("qr", "barcode")}

    def _asset(self, kind: str, code: str) -> dict[str, str]:
        token = self.cipher.token(kind, code)
        return {"id": token, "url": f"{self.base_url}{ASSET_PATH}/{kind}/{quote(token)}"}


_current: ContextVar[Links | None] = ContextVar("asset_links", default=None)
_default: Links | None = None
_fallback: Links | None = None


async def cipher_for(settings: Settings, db: Database) -> AssetCipher:
    master = settings.secret_key or await stored_secret(db)
    return AssetCipher(derive(master, _PURPOSE))


def _fallback_base(settings: Settings) -> str:
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


async def install_default(settings: Settings, db: Database) -> None:
    """The links of work done outside requests (the worker's jobs)."""
    global _default
    _default = Links(_fallback_base(settings), await cipher_for(settings, db))


def has_default() -> bool:
    return _default is not None


def voucher_assets(code: str) -> dict[str, Any]:
    links = _current.get() or _default or _process_fallback()
    return links.of(code)


def _process_fallback() -> Links:
    """Links for code outside both a request and the worker (a script, a test calling a
    service): they open in this process only."""
    global _fallback
    if _fallback is None:
        log.warning("voucher assets made before the installation key was loaded")
        _fallback = Links(_fallback_base(get_settings()), AssetCipher(secrets.token_bytes(64)))
    return _fallback


class AssetLinksMiddleware:
    """Makes the request's asset links ready: the installation key (read once per app) and
    the base URL the client used, unless `VOUCHERD_PUBLIC_URL` fixes it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._cipher: AssetCipher | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        app = scope["app"]
        settings: Settings = app.state.settings
        if self._cipher is None:
            try:
                self._cipher = await cipher_for(settings, app.state.db)
            except Exception as exc:
                # The database is down: the request fails on its own terms (503, or a
                # health check saying so), not here.
                log.warning("asset key not loaded: %s", exc)
                await self.app(scope, receive, send)
                return
        token = _current.set(Links(_base_url(scope, settings), self._cipher))
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)


def current_cipher() -> AssetCipher | None:
    """The installation's asset key in this request (None: it could not be loaded)."""
    links = _current.get() or _default
    return links.cipher if links is not None else None


def _base_url(scope: Scope, settings: Settings) -> str:
    if settings.public_url:
        return settings.public_url.rstrip("/")
    scheme = scope.get("scheme", "http")
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
    if host is None:
        server = scope.get("server") or (settings.host, settings.port)
        host = f"{server[0]}:{server[1]}"
    return f"{scheme}://{host}{scope.get('root_path', '')}"

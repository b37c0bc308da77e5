"""Creating projects and keys, bootstrapping the default project, authenticating keys."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.clock import utcnow
from voucherd.kit.ids import Prefix, new_id, new_token
from voucherd.kit.security import hash_token, token_matches
from voucherd.projects import repository
from voucherd.projects.models import ApiKey, Project
from voucherd.projects.schemas import ProjectUpdate


@dataclass(frozen=True)
class ClientSettings:
    """What a client-side key may do. Validation, qualification and custom events are always
    allowed (they change no balance); redeem and publish spend codes and are off unless the
    operator turns them on, since the key is public."""

    origins: tuple[str, ...] = ()
    allow_redeem: bool = False
    allow_publish: bool = False

    ANY_ORIGIN = "*"

    @classmethod
    def of(cls, key: ApiKey) -> ClientSettings:
        raw = key.client_settings or {}
        return cls(
            origins=tuple(raw.get("origins") or ()),
            allow_redeem=bool(raw.get("allow_redeem")),
            allow_publish=bool(raw.get("allow_publish")),
        )

    def stored(self) -> dict[str, Any]:
        return {
            "origins": list(self.origins),
            "allow_redeem": self.allow_redeem,
            "allow_publish": self.allow_publish,
        }

    def allows_origin(self, origin: str | None) -> bool:
        if self.ANY_ORIGIN in self.origins:
            return True
        return origin is not None and normalise_origin(origin) in self.origins


def is_origin(text: str) -> bool:
    """scheme://host[:port] and nothing more (what a browser sends as `Origin`)."""
    try:
        parts = urlsplit(text.strip())
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and parts.path in ("", "/")
        and not (parts.query or parts.fragment or parts.username)
    )


def normalise_origin(origin: str) -> str:
    """`https://Shop.example/` and `https://shop.example` are one origin."""
    return origin.strip().rstrip("/").lower()


@dataclass(frozen=True)
class IssuedKey:
    """A key as shown once, at creation: the token is never stored in clear."""

    kind: str
    key_id: str
    token: str
    project_id: str | None


def _new_key_id() -> str:
    # Voucherify App Ids are UUIDs.
    return str(uuid.uuid4())


async def create_project(session: AsyncSession, name: str, *, is_default: bool = False) -> Project:
    project = Project(
        id=new_id(Prefix.PROJECT),
        name=name,
        webhook_secret=secrets.token_hex(24),
        is_default=is_default,
        created_at=utcnow(),
    )
    session.add(project)
    await session.flush()
    return project


async def issue_key(
    session: AsyncSession,
    *,
    kind: str,
    project_id: str | None,
    key_id: str | None = None,
    token: str | None = None,
    name: str = "Primary",
    client: ClientSettings | None = None,
) -> IssuedKey:
    key_id = key_id or _new_key_id()
    token = token or new_token()
    session.add(
        ApiKey(
            id=new_id(Prefix.API_KEY),
            kind=kind,
            project_id=project_id,
            key_id=key_id,
            token_hash=hash_token(token),
            name=name,
            created_at=utcnow(),
            client_settings=client.stored() if client is not None else None,
        )
    )
    await session.flush()
    return IssuedKey(kind=kind, key_id=key_id, token=token, project_id=project_id)


async def ensure_key(
    session: AsyncSession,
    *,
    kind: str,
    project_id: str | None,
    key_id: str,
    token: str,
    client: ClientSettings | None = None,
) -> bool:
    """Make `key_id`/`token` valid (operator-chosen credentials). True when something changed."""
    existing = await repository.get_key(session, key_id)
    if existing is None:
        await issue_key(
            session, kind=kind, project_id=project_id, key_id=key_id, token=token, client=client
        )
        return True
    if client is not None and existing.client_settings != client.stored():
        existing.client_settings = client.stored()
    if not token_matches(token, existing.token_hash) or existing.revoked_at is not None:
        existing.token_hash = hash_token(token)
        existing.revoked_at = None
        return True
    return False


@dataclass(frozen=True)
class Bootstrap:
    project: Project
    created: bool
    issued: list[IssuedKey]


async def bootstrap_default_project(
    session: AsyncSession,
    *,
    name: str,
    app_id: str | None,
    app_token: str | None,
    management_id: str | None,
    management_token: str | None,
    client_app_id: str | None = None,
    client_token: str | None = None,
) -> Bootstrap:
    """Create the default project and its first keys once; honour operator-given credentials.

    Servers starting together on an empty database queue on a lock here, so the second finds
    the first one's project instead of creating another.
    """
    issued: list[IssuedKey] = []
    await repository.lock_bootstrap(session)
    project = await repository.get_default_project(session)
    created = project is None
    if project is None:
        project = await create_project(session, name, is_default=True)
    if app_id and app_token:
        if await ensure_key(
            session, kind="app", project_id=project.id, key_id=app_id, token=app_token
        ):
            issued.append(IssuedKey("app", app_id, app_token, project.id))
    elif created:
        issued.append(await issue_key(session, kind="app", project_id=project.id))
    if management_id and management_token:
        if await ensure_key(
            session,
            kind="management",
            project_id=None,
            key_id=management_id,
            token=management_token,
        ):
            issued.append(IssuedKey("management", management_id, management_token, None))
    elif created:
        issued.append(await issue_key(session, kind="management", project_id=None))
    if client_app_id and client_token:
        demo = ClientSettings(origins=(ClientSettings.ANY_ORIGIN,), allow_redeem=True)
        if await ensure_key(
            session,
            kind="client",
            project_id=project.id,
            key_id=client_app_id,
            token=client_token,
            client=demo,
        ):
            issued.append(IssuedKey("client", client_app_id, client_token, project.id))
    return Bootstrap(project=project, created=created, issued=issued)


@dataclass(frozen=True)
class Authenticated:
    key: ApiKey
    # The key's project's IANA zone, read in the key's query (None for management keys).
    timezone: str | None


async def authenticate(
    session: AsyncSession, kind: str, key_id: str, token: str
) -> Authenticated | None:
    found = await repository.get_active_key(session, kind, key_id)
    if found is None or not token_matches(token, found[0].token_hash):
        return None
    return Authenticated(found[0], found[1])


async def revoke_key(session: AsyncSession, key_id: str) -> bool:
    key = await repository.get_key(session, key_id)
    if key is None or key.revoked_at is not None:
        return False
    key.revoked_at = utcnow()
    return True


async def get_project(session: AsyncSession, project_id: str) -> Project | None:
    """A project by id, for other domains (webhook settings and signing secrets)."""
    return await repository.get_project(session, project_id)


async def project_keys(session: AsyncSession, project_id: str) -> Sequence[ApiKey]:
    return await repository.list_keys(session, project_id)


async def revoke_project_key(session: AsyncSession, project_id: str, key_id: str) -> bool:
    """Revoke one of the project's own keys (never a management key or another project's)."""
    key = await repository.get_key(session, key_id)
    if key is None or key.project_id != project_id or key.revoked_at is not None:
        return False
    key.revoked_at = utcnow()
    return True


async def update_project(session: AsyncSession, project: Project, data: ProjectUpdate) -> Project:
    if data.name is not None:
        project.name = data.name
    if data.timezone is not None:
        project.timezone = data.timezone
    await session.flush()
    return project


async def timezone_of(session: AsyncSession, project_id: str) -> str:
    """A project's IANA zone, for contexts made outside a request (worker jobs)."""
    project = await repository.get_project(session, project_id)
    return project.timezone if project is not None else "UTC"


async def zones(session: AsyncSession) -> dict[str, str]:
    """Every project's IANA zone by project id (worker jobs compare dates per project)."""
    return {p.id: p.timezone for p in await repository.list_projects(session)}

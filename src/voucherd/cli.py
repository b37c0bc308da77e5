"""`voucherd serve | worker | migrate | projects … | keys …`: the operator's commands."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Coroutine
from typing import Annotated, Any

import typer
import uvicorn

from voucherd import migrate as migrations
from voucherd.config import Settings, get_settings
from voucherd.console.cli import users_app
from voucherd.kit.db import Database, DatabaseUnavailable, describe_error, wait_for_database
from voucherd.projects import repository as projects_repo
from voucherd.projects import service as projects

app = typer.Typer(
    help="voucherd: a self-hosted, Voucherify-compatible promotions engine.", no_args_is_help=True
)
projects_app = typer.Typer(help="Manage projects.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(projects_app, name="projects")
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")


async def await_database(settings: Settings) -> None:
    """Wait (bounded by `db_startup_timeout_seconds`) for a PostgreSQL that is not up yet;
    DatabaseUnavailable when it never answers. SQLite is a file: nothing to wait for."""
    if settings.database_url.startswith("sqlite"):
        return

    def note(exc: BaseException, pause: float) -> None:
        typer.echo(
            f"Database not reachable ({describe_error(exc)}); retrying in {pause:.1f} s", err=True
        )

    await wait_for_database(
        settings.database_url, bound_seconds=settings.db_startup_timeout_seconds, on_retry=note
    )


def _run_startup(step: Coroutine[Any, Any, None]) -> None:
    """Run a startup step; an unreachable database ends the command with one line, exit 1."""
    try:
        asyncio.run(step)
    except DatabaseUnavailable as exc:
        typer.echo(f"voucherd: {exc}", err=True)
        raise typer.Exit(1) from None


def _fail(message: str) -> typer.Exit:
    """An operator error: one line on stderr and exit code 2 (click's usage-error code), no
    traceback and no boxed usage panel. `raise _fail(...)`."""
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(2)


async def _bootstrap(settings: Settings) -> None:
    await await_database(settings)
    await migrations.upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            result = await projects.bootstrap_default_project(
                session,
                name=settings.default_project_name,
                app_id=settings.app_id,
                app_token=settings.app_token,
                management_id=settings.management_id,
                management_token=settings.management_token,
                client_app_id=settings.client_app_id,
                client_token=settings.client_token,
            )
    finally:
        await db.dispose()
    project = result.project
    if result.created:
        typer.echo(f"Created project {project.name!r} ({project.id})")
    for key in result.issued:
        label = {"app": "App", "client": "Client App"}.get(key.kind, "Management")
        typer.echo(f"  {label} Id:    {key.key_id}")
        typer.echo(f"  {label} Token: {key.token}")
    if not result.issued:
        typer.echo(
            f"Project {project.name!r} ({project.id}); keys were printed on first start "
            "(`voucherd keys create` makes new ones)."
        )


@app.command()
def migrate() -> None:
    """Apply database migrations."""
    settings = get_settings()
    _run_startup(await_database(settings))
    migrations.upgrade_sync(settings.database_url)
    typer.echo("Database is up to date.")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[int, typer.Option(help="API processes (PostgreSQL only for >1)")] = 1,
    with_worker: Annotated[bool, typer.Option(help="Run the background worker in-process")] = True,
) -> None:
    """Migrate, bootstrap the default project and serve the API."""
    settings = get_settings()
    if workers > 1 and settings.database_url.startswith("sqlite"):
        raise typer.BadParameter("--workers > 1 needs PostgreSQL (SQLite has one writer)")
    _run_startup(_bootstrap(settings))
    bind_host, bind_port = host or settings.host, port or settings.port
    typer.echo(f"Serving the API on http://{bind_host}:{bind_port}")
    factory = "voucherd.serve_app:create_served_app"
    os.environ["VOUCHERD_EMBEDDED_WORKER"] = "true" if with_worker else "false"
    uvicorn.run(
        factory,
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers,
        log_level=settings.log_level,
        access_log=False,
    )


@app.command()
def worker() -> None:
    """Run the background worker alone (delivery, scheduled jobs)."""
    from voucherd.serve_app import load_job_modules
    from voucherd.worker import run_forever

    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper())
    load_job_modules()

    async def main() -> None:
        db = Database(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await run_forever(db, stop)
        finally:
            await db.dispose()

    asyncio.run(main())


@app.command()
def listen(
    port: Annotated[int, typer.Option(help="Port to listen on")] = 9000,
    host: Annotated[str, typer.Option(help="Bind address")] = "127.0.0.1",
    secret: Annotated[
        str | None,
        typer.Option(envvar="VOUCHERD_WEBHOOK_SECRET", help="Project webhook secret to verify"),
    ] = None,
    full: Annotated[bool, typer.Option(help="Print each envelope as JSON too")] = False,
    status: Annotated[int, typer.Option(help="HTTP status to answer (try 500 or 410)")] = 200,
) -> None:
    """Receive webhooks locally and print each one with its signature check."""
    from voucherd.webhooks.listen import run

    run(host=host, port=port, secret=secret, full=full, status_code=status)


@projects_app.command("list")
def projects_list() -> None:
    """List projects."""

    async def main() -> None:
        db = Database(get_settings().database_url)
        async with db.transaction(write=False) as session:
            for p in await projects_repo.list_projects(session):
                marker = "\t(default)" if p.is_default else ""
                typer.echo(f"{p.id}\t{p.name}{marker}")
        await db.dispose()

    asyncio.run(main())


@projects_app.command("create")
def projects_create(name: str) -> None:
    """Create a project and print its first App key."""

    async def main() -> None:
        db = Database(get_settings().database_url)
        async with db.transaction() as session:
            project = await projects.create_project(session, name)
            key = await projects.issue_key(session, kind="app", project_id=project.id)
        await db.dispose()
        typer.echo(f"Project {project.id}\n  App Id:    {key.key_id}\n  App Token: {key.token}")

    asyncio.run(main())


@keys_app.command("list")
def keys_list(project_id: Annotated[str | None, typer.Option()] = None) -> None:
    """List API keys (ids only; tokens are stored hashed)."""

    async def main() -> None:
        db = Database(get_settings().database_url)
        async with db.transaction(write=False) as session:
            for k in await projects_repo.list_keys(session, project_id):
                state = "revoked" if k.revoked_at else "active"
                typer.echo(f"{k.kind}\t{k.key_id}\t{k.project_id or '-'}\t{state}")
        await db.dispose()

    asyncio.run(main())


@keys_app.command("create")
def keys_create(
    project_id: Annotated[
        str | None, typer.Option(help="Project (default project if omitted)")
    ] = None,
    management: Annotated[bool, typer.Option(help="Create a Management key")] = False,
    client: Annotated[
        bool, typer.Option(help="Create a client-side (publishable) key for /client/v1/*")
    ] = False,
    origin: Annotated[
        list[str] | None,
        typer.Option(help="An origin the client key answers (repeatable; '*' = any)"),
    ] = None,
    allow_redeem: Annotated[
        bool, typer.Option(help="Let the client key redeem (off: the key is public)")
    ] = False,
    allow_publish: Annotated[bool, typer.Option(help="Let the client key publish codes")] = False,
) -> None:
    """Create an App key (or a Management or client-side key) and print its token once."""
    if client and management:
        raise _fail("a key is either --client or --management")
    if (origin or allow_redeem or allow_publish) and not client:
        raise _fail("--origin, --allow-redeem and --allow-publish are for --client keys")
    if client and not origin:
        raise _fail("a client key needs at least one --origin (or --origin '*' for any)")
    for given in origin or ():
        if given != projects.ClientSettings.ANY_ORIGIN and not projects.is_origin(given):
            raise _fail(f"--origin {given!r} is not an origin like https://shop.example[:port]")
    settings = (
        projects.ClientSettings(
            origins=tuple(
                o if o == projects.ClientSettings.ANY_ORIGIN else projects.normalise_origin(o)
                for o in origin or ()
            ),
            allow_redeem=allow_redeem,
            allow_publish=allow_publish,
        )
        if client
        else None
    )

    async def main() -> None:
        db = Database(get_settings().database_url)
        try:
            async with db.transaction() as session:
                pid = project_id
                if not management and pid is None:
                    default = await projects_repo.get_default_project(session)
                    if default is None:
                        raise _fail("no default project: run `voucherd serve` once")
                    pid = default.id
                elif (
                    pid is not None
                    and not management
                    and await projects_repo.get_project(session, pid) is None
                ):
                    # Checked here so the operator reads a sentence, not the foreign key's
                    # IntegrityError.
                    raise _fail(f"no project {pid} (`voucherd projects list` shows them)")
                key = await projects.issue_key(
                    session,
                    kind="management" if management else "client" if client else "app",
                    project_id=None if management else pid,
                    client=settings,
                )
        finally:
            await db.dispose()
        typer.echo(f"Id:    {key.key_id}\nToken: {key.token}")

    asyncio.run(main())


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke a key by its id."""

    async def main() -> bool:
        db = Database(get_settings().database_url)
        async with db.transaction() as session:
            done = await projects.revoke_key(session, key_id)
        await db.dispose()
        return done

    if not asyncio.run(main()):
        raise _fail(f"no active key {key_id}")
    typer.echo(f"Revoked {key_id}")


if __name__ == "__main__":
    app()

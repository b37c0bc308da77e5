"""`voucherd users …`: console accounts, made by the operator."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

from voucherd.config import get_settings
from voucherd.console import service
from voucherd.console.models import ROLES
from voucherd.kit.db import Database
from voucherd.kit.errors import ApiError
from voucherd.projects import repository as projects_repo

users_app = typer.Typer(help="Manage console users (/console).", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(2)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="The user's email (their login)")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}")] = "viewer",
    project_id: Annotated[
        str | None, typer.Option("--project", help="Project (default project if omitted)")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from standard input (scripts)")
    ] = False,
) -> None:
    """Create a console user. The password is asked for (or read with --password-stdin)."""
    password = _password(password_stdin)

    async def main() -> str:
        db = Database(get_settings().database_url)
        try:
            async with db.transaction() as session:
                pid = project_id
                if pid is None:
                    default = await projects_repo.get_default_project(session)
                    if default is None:
                        raise _fail("no default project: run `voucherd serve` once")
                    pid = default.id
                elif await projects_repo.get_project(session, pid) is None:
                    raise _fail(f"no project {pid} (`voucherd projects list` shows them)")
                try:
                    user = await service.create_user(
                        session, project_id=pid, email=email, password=password, role=role
                    )
                except ApiError as exc:
                    raise _fail(str(exc)) from None
                return f"Created {user.role} {user.email} ({user.id}) in project {pid}"
        finally:
            await db.dispose()

    typer.echo(asyncio.run(main()))


@users_app.command("list")
def users_list(
    project_id: Annotated[str | None, typer.Option("--project")] = None,
) -> None:
    """List console users."""

    async def main() -> None:
        db = Database(get_settings().database_url)
        try:
            async with db.transaction(write=False) as session:
                for user in await service.list_users(session, project_id):
                    typer.echo(f"{user.email}\t{user.role}\t{user.project_id}\t{user.id}")
        finally:
            await db.dispose()

    asyncio.run(main())

"""Helpers shared by tests: project keys and small data builders."""

from __future__ import annotations

from dataclasses import dataclass

from voucherd.kit.db import Database
from voucherd.projects import service as projects


@dataclass(frozen=True)
class ProjectKeys:
    project_id: str
    app_id: str
    app_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-App-Id": self.app_id, "X-App-Token": self.app_token}


async def make_project(db: Database, name: str = "Test") -> ProjectKeys:
    async with db.transaction() as session:
        project = await projects.create_project(session, name)
        key = await projects.issue_key(session, kind="app", project_id=project.id)
    return ProjectKeys(project.id, key.key_id, key.token)

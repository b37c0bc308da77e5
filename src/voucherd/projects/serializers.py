"""Projects on the Management API."""

from __future__ import annotations

from typing import Any

from voucherd.projects.models import Project


def project_body(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "description": None,
        "timezone": project.timezone,
        "currency": "USD",
        "api_version": "v2018-08-01",
        "webhook_version": "v2024-01-01",
        "is_sandbox": False,
        "object": "project",
    }

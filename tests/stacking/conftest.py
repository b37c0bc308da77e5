"""The stacking rules URL of the test's project (the `mgmt` client is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.support import ProjectKeys


@pytest.fixture
def rules_url(project: ProjectKeys) -> str:
    return f"/management/v1/projects/{project.project_id}/stacking-rules"

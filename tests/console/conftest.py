"""Every console test logs in from the same test client address: the per-IP login limit
(20 a minute, process-wide) starts full for each test, as it would for a new visitor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from voucherd.console import endpoints


@pytest.fixture(autouse=True)
def _fresh_login_limit() -> Iterator[None]:
    endpoints._login_attempts.clear()
    yield

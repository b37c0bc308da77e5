"""Scale-out: `bench/scaleout` runs 2 API processes and 2 workers on one PostgreSQL database
under concurrent load and checks every invariant (a small run, on its own database)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import PG_ENV, ROOT


def test_two_api_processes_and_two_workers_keep_every_invariant() -> None:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} must be set in CI: the scale-out test needs PostgreSQL")
        pytest.skip(f"needs PostgreSQL (several processes, one database): set {PG_ENV}")
    small = ["--codes", "40", "--attempts", "4", "--cards", "6", "--rewards", "2"]
    result = subprocess.run(
        [sys.executable, "-m", "bench.scaleout", "--pg-url", url, *small, "--orders", "30"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all invariants hold" in result.stdout

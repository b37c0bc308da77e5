"""Crash safety: `bench/webhook_crash.py` SIGKILLs a delivering server and checks that every
committed event still arrives (a small run, on its own SQLite file)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_sigkill_mid_delivery_loses_no_committed_event() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.webhook_crash", "--events", "300", "--kill-after", "40"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "none lost" in result.stdout

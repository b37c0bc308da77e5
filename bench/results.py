"""The benchmark table: rows, their markdown rendering, and the machine they were measured on."""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bench.server import autocommit_engine

HEADER = ("name", "engine", "figure", "ceiling", "ratio", "p50", "p99", "target", "met?")


@dataclass
class Row:
    name: str
    engine: str
    figure: str = ""
    ceiling: str = ""
    ratio: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    target: str = ""
    met: str = ""
    notes: list[str] = field(default_factory=list)

    def cells(self, note_number: int | None) -> tuple[str, ...]:
        met = self.met + (f" [{note_number}]" if note_number is not None else "")
        return (
            self.name,
            self.engine,
            self.figure,
            self.ceiling,
            "" if self.ratio is None else f"{self.ratio * 100:.1f} %",
            _ms(self.p50_ms),
            _ms(self.p99_ms),
            self.target,
            met,
        )


def _ms(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f} ms" if value < 10 else f"{value:,.0f} ms"


def rate(value: float, unit: str) -> str:
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:,.1f} {unit}"


def verdict(*checks: bool) -> str:
    return "yes" if all(checks) else "no"


def table(rows: list[Row]) -> tuple[str, list[str]]:
    """The markdown table (columns padded so it also reads as plain text) and its notes."""
    notes: list[str] = []
    body: list[tuple[str, ...]] = []
    for row in rows:
        number = None
        if row.notes:
            notes.append("; ".join(row.notes))
            number = len(notes)
        body.append(row.cells(number))
    widths = [max(len(r[i]) for r in [HEADER, *body]) for i in range(len(HEADER))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(HEADER), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in body]
    return "\n".join(out), [f"[{i}] {n}" for i, n in enumerate(notes, 1)]


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else "unknown"


def _command_version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else ""


async def machine_facts(pg_url: str | None) -> list[tuple[str, str]]:
    postgres = "not used"
    if pg_url:
        engine = autocommit_engine(pg_url)
        try:
            async with engine.connect() as conn:
                postgres = str((await conn.execute(text("SELECT version()"))).scalar())
        except (OSError, SQLAlchemyError) as exc:
            postgres = f"unreachable ({exc})"
        finally:
            await engine.dispose()
    load = os.getloadavg()
    return [
        ("CPU", f"{os.cpu_count()} x {_cpu_model()}"),
        ("memory", _memory()),
        ("kernel", f"{platform.system()} {platform.release()}"),
        ("Python", sys.version.split()[0]),
        ("PostgreSQL", postgres),
        ("SQLite", sqlite3.sqlite_version),
        ("wrk", _command_version(["wrk", "-v"])),
        ("pgbench", _command_version(["pgbench", "--version"])),
        ("load average at start", " ".join(f"{x:.2f}" for x in load)),
    ]


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def write_markdown(
    path: Path,
    *,
    rows: list[Row],
    facts: list[tuple[str, str]],
    command: str,
    started: datetime,
    preamble: list[str],
) -> str:
    rendered, notes = table(rows)
    lines = [
        "# voucherd benchmark results",
        "",
        f"Measured {started.astimezone(UTC):%Y-%m-%d %H:%M} UTC with `{command}`.",
        "",
        "\n\n".join(preamble),
        "",
        "## Machine",
        "",
        *(f"- {name}: {value}" for name, value in facts),
        "",
        "## Results",
        "",
        rendered,
        "",
        *(f"{n}  " for n in notes),
        "",
    ]
    text = "\n".join(lines).rstrip() + "\n"
    path.write_text(text)
    return rendered + ("\n\n" + "\n".join(notes) if notes else "")

"""The run's summary: operations by type and status, each law's verdict, and traces."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from bench.invariants.checks import LAWS, Violation
from bench.invariants.oplog import OpLog

if TYPE_CHECKING:
    from bench.invariants.engine import Config

GLOBAL_KINDS = frozenset({"job", "clock"})
TRACED_PER_LAW = 3
LISTED_PER_LAW = 12


def render(
    cfg: Config,
    log: OpLog,
    violations: list[Violation],
    operations: int,
    seconds: float,
    steps: int,
    objects: int,
) -> str:
    out = [
        f"invariant checker: seed {cfg.seed}, {cfg.clients} clients, {operations} operations"
        f" in {steps} steps, {seconds:.1f} s; {objects} vouchers checked",
        "",
        "operations (status: count):",
    ]
    for kind, outcomes in sorted(log.summary().items()):
        shown = ", ".join(f"{k}: {n}" for k, n in outcomes.most_common())
        out.append(f"  {kind:<15} {shown}")
    by_law: dict[str, list[Violation]] = defaultdict(list)
    for v in violations:
        by_law[v.law].append(v)
    out += ["", "laws:"]
    for law, says in LAWS.items():
        n = len(by_law.get(law, []))
        verdict = "ok  " if n == 0 else f"FAIL ({n})"
        out.append(f"  {verdict:<10} {law:<24} {says}")
    for law, found in by_law.items():
        out += ["", f"== {law}: {len(found)} violation(s) (seed {cfg.seed})"]
        for i, v in enumerate(found[:LISTED_PER_LAW]):
            out.append(f"- {v.subject}: {v.detail}")
            if i < TRACED_PER_LAW and v.keys:
                every = GLOBAL_KINDS if v.global_ops else frozenset()
                out += [
                    "  operations on it that can move it, in start order"
                    + (f" (step {v.step}: what ran alongside):" if v.step is not None else ":"),
                    log.trace(v.keys, every, v.kinds, step=v.step),
                ]
        if len(found) > LISTED_PER_LAW:
            out.append(f"- ... and {len(found) - LISTED_PER_LAW} more")
    out.append("")
    if violations:
        laws = ", ".join(sorted(by_law))
        out.append(
            f"INVARIANTS VIOLATED: {len(violations)} violation(s) of {laws}"
            f" (reproduce: --seed {cfg.seed})"
        )
    else:
        out.append("all invariants hold")
    return "\n".join(out)

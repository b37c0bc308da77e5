"""Run a seeded workload through the app, then check every law and report.

The run goes in steps: each step draws `clients` operations from the seeded RNG (kind,
targets and bodies; a step may focus on one hot object) and fires them at once, so at least
`clients` requests are in flight. Between steps the clock may move forward (never back), and
the worker's jobs run as operations among the requests. Same seed, same operations: only
the outcome of races (which is the point) and what an operation reads back (which earlier
redemption it rolls back, which pending entry it finds) can differ between runs.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import httpx

from bench.invariants import checks, integrity, ops, ops_loyalty
from bench.invariants.client import Api
from bench.invariants.dbstate import read
from bench.invariants.model import observe
from bench.invariants.oplog import OpLog
from bench.invariants.ops import Ctx, Focus, History
from bench.invariants.report import render
from bench.invariants.world import World, build
from voucherd.kit.clock import clock
from voucherd.kit.db import Database

Operation = Callable[[Ctx], Awaitable[None]]

DEFAULT_WEIGHTS: dict[str, float] = {
    "redeem": 22,
    "rollback": 9,
    "gift_put": 6,
    "gift_balance": 5,
    "publish": 5,
    "toggle": 3,
    "points_balance": 7,
    "transfer": 4,
    "reward": 10,
    "paid_order": 7,
    "pending": 4,
    "job": 3,
}


@dataclass
class Config:
    seed: int
    clients: int = 16
    in_flight: int = 24  # requests at once, at most (bursts queue): database connections
    operations: int = 1_500
    duration: float | None = None  # seconds; stops at whichever limit comes first
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    customers: int = 6
    single_use: int = 10
    clock_chance: float = 0.08  # per step: move the clock 1 to 25 days forward
    focus_chance: float = 0.6  # per step: aim most operations at one hot object


@dataclass
class Report:
    seed: int
    operations: int
    seconds: float
    steps: int
    violations: list[checks.Violation]
    text: str

    @property
    def broken(self) -> set[str]:
        return {v.law for v in self.violations}


class _ErrorRecords(logging.Handler):
    """ERROR records of voucherd during the run: a job or request that blew up."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        cause = f": {type(exc).__name__}: {exc}" if exc is not None else ""
        self.messages.append(f"{record.name}: {record.getMessage()}{cause}"[:400])


def _focus(rng: random.Random, world: World, chance: float) -> Focus:
    if rng.random() >= chance:
        return Focus()
    kind = rng.choice(["gift", "gift", "code", "card", "limited", "limited", "publish"])
    pools = {
        "gift": world.gift_cards,
        "code": world.multi_use,
        "card": list(world.cards.values()),
        "limited": world.limited_cards,
        "publish": world.publishable,
    }
    return Focus(**{kind: rng.choice(pools[kind])})


def _operations(db: Database) -> dict[str, Operation]:
    async def job(ctx: Ctx) -> None:
        await ops_loyalty.job(ctx, db)

    return {
        "redeem": ops.redeem,
        "rollback": ops.rollback,
        "gift_put": ops.gift_put,
        "gift_balance": ops.gift_balance,
        "publish": ops.publish,
        "toggle": ops.toggle,
        "points_balance": ops_loyalty.points_balance,
        "transfer": ops_loyalty.transfer,
        "reward": ops_loyalty.reward,
        "paid_order": ops_loyalty.paid_order,
        "pending": ops_loyalty.pending,
        "job": job,
    }


async def drive(cfg: Config, api: Api, world: World, db: Database) -> int:
    """The workload; returns the number of steps run."""
    table = _operations(db)
    names = [n for n in table if cfg.weights.get(n, 0) > 0]
    weights = [cfg.weights[n] for n in names]
    master = random.Random(cfg.seed)
    history = History()
    started, step, log = time.monotonic(), 0, api.log
    first = len(log.ops)
    while len(log.ops) - first < cfg.operations:
        if cfg.duration is not None and time.monotonic() - started > cfg.duration:
            break
        if step and master.random() < cfg.clock_chance:
            days = master.choice([1, 1, 2, 3, 10, 25])
            clock.advance(timedelta(days=days))
            moved = log.start(step, -1, "clock", "CLOCK", f"+{days} days", None)
            moved.status, moved.ended = 200, moved.started
        focus = _focus(master, world, cfg.focus_chance)
        snapshot = History(list(history.redemptions), list(history.rewards), history.amounts)
        mark = len(log.ops)
        batch = []
        for client in range(cfg.clients):
            kind = master.choices(names, weights)[0]
            rng = random.Random(master.getrandbits(64))
            batch.append(table[kind](Ctx(api, world, rng, step, client, focus, snapshot)))
        await asyncio.gather(*batch)
        for op in log.ops[mark:]:
            if op.ok and op.kind == "redeem":
                history.redemptions.append(op)
            elif op.ok and op.kind == "reward":
                history.rewards.append(op)
        step += 1
    return step


async def run(cfg: Config, http: httpx.AsyncClient, db: Database, project_id: str) -> Report:
    """Set up, drive the workload, check every law; the clock is moved and then reset."""
    log = OpLog()
    api = Api(http, log, cfg.in_flight)
    errors = _ErrorRecords()
    logger = logging.getLogger("voucherd")
    logger.addHandler(errors)
    started = time.monotonic()
    try:
        world = await build(api, cfg.customers, cfg.single_use)
        setup_ops = len(log.ops)
        steps = await drive(cfg, api, world, db)
        # The worker catches up once at the end: due activations and expiries happen.
        final = Ctx(api, world, random.Random(cfg.seed), steps, -1, Focus(), History())
        await ops_loyalty.job(final, db, "earning.activate_pending_points")
        await ops_loyalty.job(final, db, "loyalty.expire_points")
    finally:
        logger.removeHandler(errors)
        clock.reset()
    seconds = time.monotonic() - started
    state = await read(db, project_id)
    seen = observe(log, world)
    found = [
        *checks.transport(log, errors.messages),
        *checks.gift(state, seen, world),
        *checks.codes(state, seen),
        *checks.cards(state, seen),
        *checks.rewards(state),
        *checks.publications(state, seen, world),
        *checks.orders(state),
        *integrity.committed(state, seen),
        *integrity.phantoms(state, seen),
        *integrity.refusals(log, state),
        *await integrity.api_agrees(http, state),
    ]
    ran = len(log.ops) - setup_ops
    text = render(cfg, log, found, ran, seconds, steps, len(state.cards))
    return Report(cfg.seed, ran, seconds, steps, found, text)

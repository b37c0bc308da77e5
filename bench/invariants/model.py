"""What the clients saw, added up per code: the expectation the database must match.

Built only from successful (2xx) responses in the log. A refused request contributes
nothing, so a refusal that changed something shows up as a difference in the totals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from bench.invariants.oplog import Op, OpLog
from bench.invariants.world import World


@dataclass
class Seen:
    uses: int = 0  # redemptions of the code (children)
    rolled_back: int = 0  # of those, rolled back
    spends: int = 0  # gift credits redeemed
    spend_count: int = 0
    refunds: int = 0  # gift credits given back by rollbacks
    refund_count: int = 0
    additions: int = 0  # gift credits added (balance endpoint, gift rewards)
    removals: int = 0  # gift credits removed (balance endpoint)
    points_added: int = 0  # POINTS_ADDITION (balance endpoint, points rewards)
    points_removed: int = 0  # POINTS_REMOVAL
    transfer_in: int = 0
    transfer_out: int = 0
    rewards: int = 0  # reward redemptions paid by the card
    reward_points: int = 0
    reward_rollbacks: int = 0
    reward_refunds: int = 0  # points given back
    publications: int = 0  # 200 publications naming the code
    ops: list[int] = field(default_factory=list)


@dataclass
class Observed:
    codes: dict[str, Seen] = field(default_factory=lambda: defaultdict(Seen))
    children: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> (code, credits)
    parents: set[str] = field(default_factory=set)
    reward_redemptions: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> card
    rollbacks: dict[str, str] = field(default_factory=dict)  # rollback id -> original id
    child_rollbacks: set[str] = field(default_factory=set)  # rollbacks that send an event


def _rollback_objects(body: Any) -> list[tuple[dict[str, Any], bool]]:
    """(rollback, is a child's or single's) in a rollback response, whatever its shape."""
    if not isinstance(body, dict):
        return []
    if body.get("object") == "redemption_rollback":
        return [(body, True)]
    found = [(r, True) for r in body.get("rollbacks") or [] if isinstance(r, dict)]
    parent = body.get("parent_rollback")
    if isinstance(parent, dict):
        found.append((parent, False))
    return found


def observe(log: OpLog, world: World) -> Observed:
    seen = Observed()
    gives = {r.id: (r.kind, r.gives) for r in world.rewards}
    for op in sorted((o for o in log.ops if o.ok), key=lambda o: o.ended):
        _one(seen, op, gives)
    return seen


def _one(seen: Observed, op: Op, gives: dict[str, tuple[str, int]]) -> None:
    body, resp, codes = op.body, op.response, seen.codes
    parts = op.path.split("?")[0].split("/")
    if op.kind == "redeem":
        for r in resp["redemptions"]:
            code, credits = r["voucher"]["code"], int((r.get("gift") or {}).get("amount") or 0)
            seen.children[r["id"]] = (code, credits)
            codes[code].uses += 1
            codes[code].spends += credits
            codes[code].spend_count += 1 if credits else 0
        if resp.get("parent_redemption"):
            seen.parents.add(resp["parent_redemption"]["id"])
    elif op.kind == "rollback":
        for rb, is_child in _rollback_objects(resp):
            if rb["id"] in seen.rollbacks:  # one rollback shown twice in a body counts once
                continue
            original = str(rb.get("redemption"))
            seen.rollbacks[rb["id"]] = original
            if is_child:
                seen.child_rollbacks.add(rb["id"])
            if original in seen.children:
                code, credits = seen.children[original]
                codes[code].rolled_back += 1
                codes[code].refunds += credits
                codes[code].refund_count += 1 if credits else 0
            elif original in seen.reward_redemptions:
                card, points = seen.reward_redemptions[original]
                codes[card].reward_rollbacks += 1
                codes[card].reward_refunds += points
    elif op.kind == "gift_balance":
        amount = int(body["amount"])
        if amount > 0:
            codes[parts[3]].additions += amount
        else:
            codes[parts[3]].removals -= amount
    elif op.kind == "points_balance":
        points = int(body["points"])
        if points > 0:
            codes[parts[4]].points_added += points
        else:
            codes[parts[4]].points_removed -= points
    elif op.kind == "transfer":
        for item in body:
            codes[item["code"]].transfer_out += int(item["points"])
            codes[parts[5]].transfer_in += int(item["points"])
    elif op.kind == "reward":
        card, points = parts[4], int(resp["amount"])
        seen.reward_redemptions[resp["id"]] = (card, points)
        codes[card].rewards += 1
        codes[card].reward_points += points
        kind, amount = gives.get(body["reward"]["id"], ("", 0))
        target = ((resp.get("reward") or {}).get("voucher") or {}).get("code")
        if kind == "gift" and target:
            codes[target].additions += amount
        elif kind == "points" and target:
            codes[target].points_added += amount
    elif op.kind == "publish":
        codes[resp["voucher"]["code"]].publications += 1

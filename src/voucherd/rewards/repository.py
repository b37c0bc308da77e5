"""Queries on rewards, their assignments to programs and reward redemptions.

A reward's `redeemed` counter moves only by conditional UPDATEs here: with a `stock`, the
UPDATE matches only while `redeemed < stock`, so simultaneous redemptions can never hand out
more units than there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.clock import utcnow
from voucherd.rewards.models import Reward, RewardAssignment, RewardRedemption
from voucherd.vouchers.models import VoucherTransaction

# The reward redemption path's statements, built once.
_REWARD = select(Reward).where(
    Reward.project_id == bindparam("project_id"), Reward.id == bindparam("reward_id")
)
_ASSIGNMENT_OF = select(RewardAssignment).where(
    RewardAssignment.reward_id == bindparam("reward_id"),
    RewardAssignment.campaign_id == bindparam("campaign_id"),
)
_TAKE_ONE = (
    update(Reward)
    .where(
        Reward.id == bindparam("reward_id"),
        Reward.stock.is_(None) | (Reward.redeemed < Reward.stock),
    )
    .values(redeemed=Reward.redeemed + 1)
    .execution_options(synchronize_session=False)
)


async def get_reward(session: AsyncSession, project_id: str, reward_id: str) -> Reward | None:
    result = await session.execute(_REWARD, {"project_id": project_id, "reward_id": reward_id})
    return result.scalar_one_or_none()


def rewards_query(project_id: str, *, assignment_id: str | None = None) -> Select[Reward]:
    stmt = select(Reward).where(Reward.project_id == project_id)
    if assignment_id is not None:
        stmt = stmt.where(
            Reward.id.in_(
                select(RewardAssignment.reward_id).where(RewardAssignment.id == assignment_id)
            )
        )
    return stmt


async def get_assignment(
    session: AsyncSession, project_id: str, assignment_id: str
) -> RewardAssignment | None:
    result = await session.execute(
        select(RewardAssignment).where(
            RewardAssignment.project_id == project_id, RewardAssignment.id == assignment_id
        )
    )
    return result.scalar_one_or_none()


async def assignment_of(
    session: AsyncSession, reward_id: str, campaign_id: str
) -> RewardAssignment | None:
    """The assignment of a reward to a program (at most one: a unique constraint)."""
    result = await session.execute(
        _ASSIGNMENT_OF, {"reward_id": reward_id, "campaign_id": campaign_id}
    )
    return result.scalar_one_or_none()


def assignments_query(
    project_id: str,
    *,
    reward_id: str | None = None,
    campaign_id: str | None = None,
    assignment_id: str | None = None,
) -> Select[RewardAssignment]:
    stmt = select(RewardAssignment).where(RewardAssignment.project_id == project_id)
    if reward_id is not None:
        stmt = stmt.where(RewardAssignment.reward_id == reward_id)
    if campaign_id is not None:
        stmt = stmt.where(RewardAssignment.campaign_id == campaign_id)
    if assignment_id is not None:
        stmt = stmt.where(RewardAssignment.id == assignment_id)
    return stmt


async def program_rewards(
    session: AsyncSession, project_id: str, campaign_id: str
) -> Sequence[tuple[RewardAssignment, Reward]]:
    """Every reward assigned to the program with its assignment, oldest assignment first."""
    result = await session.execute(
        select(RewardAssignment, Reward)
        .join(Reward, Reward.id == RewardAssignment.reward_id)
        .where(
            RewardAssignment.project_id == project_id,
            RewardAssignment.campaign_id == campaign_id,
        )
        .order_by(RewardAssignment.id)
    )
    return [(a, r) for a, r in result.all()]


async def take_one(session: AsyncSession, reward_id: str) -> bool:
    """Count one redemption of the reward; False when its stock is used up.

    Conditional UPDATE: of simultaneous redemptions of the last unit exactly one matches.
    """
    result = await session.execute(_TAKE_ONE, {"reward_id": reward_id})
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def give_back_one(session: AsyncSession, reward_id: str) -> None:
    """A rolled-back redemption returns its unit to the stock."""
    await session.execute(
        update(Reward)
        .where(Reward.id == reward_id, Reward.redeemed > 0)
        .values(redeemed=Reward.redeemed - 1)
        .execution_options(synchronize_session=False)
    )


async def set_stock(session: AsyncSession, reward_id: str, stock: int | None) -> bool:
    """Change the stock, never below what was already handed out (False if it would be).

    Conditional, so a redemption counted between reading and writing cannot be lost.
    """
    stmt = (
        update(Reward)
        .where(Reward.id == reward_id)
        .values(stock=stock, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if stock is not None:
        stmt = stmt.where(Reward.redeemed <= stock)
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def reward_redemption_of(
    session: AsyncSession, project_id: str, redemption_id: str
) -> RewardRedemption | None:
    """The reward redemption paid for by the `r_…` redemption, if it was one."""
    result = await session.execute(
        select(RewardRedemption).where(
            RewardRedemption.project_id == project_id,
            RewardRedemption.redemption_id == redemption_id,
        )
    )
    return result.scalar_one_or_none()


async def move_state(
    session: AsyncSession, rr_id: str, from_state: str, to_state: str, now: datetime
) -> bool:
    """One state transition for exactly one caller (simultaneous rollbacks: one wins)."""
    result = await session.execute(
        update(RewardRedemption)
        .where(RewardRedemption.id == rr_id, RewardRedemption.state == from_state)
        .values(state=to_state, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def ledger_entry(session: AsyncSession, transaction_id: str) -> VoucherTransaction | None:
    """The points debit of a reward redemption, which `ledger.refund` gives back."""
    return await session.get(VoucherTransaction, transaction_id)

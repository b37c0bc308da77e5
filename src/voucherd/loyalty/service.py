"""Loyalty programs and their members: enrolment, points changes, transfers, reads."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.customers import service as customers
from voucherd.customers.models import Customer
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import InvalidPayload, NotFound
from voucherd.loyalty import ledger, repository
from voucherd.loyalty.expiry import expires_on, program_rules
from voucherd.loyalty.schemas import MemberCreate, PointsChange, PointsTransfer
from voucherd.publications import service as publications
from voucherd.publications.schemas import PublicationCreate
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher, VoucherTransaction

PROGRAM = "LOYALTY_PROGRAM"


async def get_program(session: AsyncSession, ctx: RequestContext, key: str) -> Campaign:
    campaign = await campaigns.get(session, ctx, key)
    if campaign.campaign_type != PROGRAM:
        raise NotFound("campaign", key)
    return campaign


async def get_member(
    session: AsyncSession, ctx: RequestContext, member_id: str, campaign_key: str | None = None
) -> Voucher:
    """A loyalty card by code or id; with a program, it must be one of the program's cards."""
    try:
        card = await vouchers.get(session, ctx, member_id)
    except NotFound:
        raise NotFound("loyalty_card", member_id) from None
    if card.type != "LOYALTY_CARD":
        raise NotFound("loyalty_card", member_id)
    if campaign_key is not None:
        program = await get_program(session, ctx, campaign_key)
        if card.campaign_id != program.id:
            raise NotFound("loyalty_card", member_id)
    return card


async def as_spendable(session: AsyncSession, ctx: RequestContext, card: Voucher) -> Voucher:
    """The card as a read reports it: points past their last valid day are shown expired
    even if the expiry job has not reached the card yet, so the balance a GET (or a reward's
    affordability) shows is what a spend can take. A read transaction writes nothing: the
    loaded card's values are adjusted in memory (never flushed); the next movement of the
    card, or the job, expires those points in the ledger. Free unless the cached soonest
    expiry is already past."""
    today = ctx.today()
    soonest = card.loyalty_next_expiration_date
    if card.type != "LOYALTY_CARD" or soonest is None or soonest >= today:
        return card
    overdue, next_date, next_points = await repository.overdue_and_next(session, card.id, today)
    set_committed_value(card, "loyalty_balance", (card.loyalty_balance or 0) - overdue)
    set_committed_value(
        card, "loyalty_expired_points", (card.loyalty_expired_points or 0) + overdue
    )
    set_committed_value(card, "loyalty_next_expiration_date", next_date)
    set_committed_value(card, "loyalty_next_expiration_points", next_points)
    return card


def program_expiration_rules(program: Campaign | None) -> Mapping[str, object] | None:
    return program_rules(program.voucher) if program is not None else None


async def join(
    session: AsyncSession,
    ctx: RequestContext,
    program: Campaign,
    customer: Customer,
    *,
    data: PublicationCreate | None = None,
) -> Voucher:
    """The customer's card in the program: their existing one, else a newly published one.

    A customer holds one card per program (Voucherify's programs are join-once in practice;
    earning and auto_join rely on finding "the" card).
    """
    # The customer's lock makes "check, then publish" atomic: two concurrent joins of one
    # customer queue here, and the second finds the first one's card.
    await customers.lock(session, [customer.id])
    held = await vouchers.customer_voucher_in_campaign(session, program.id, customer.id)
    if held is not None:
        return held
    published = await publications.publish_from_campaign(
        session, ctx, program, customer, join_once=True, data=data
    )
    return published.voucher


async def add_member(
    session: AsyncSession, ctx: RequestContext, campaign_key: str, data: MemberCreate
) -> Voucher:
    program = await get_program(session, ctx, campaign_key)
    # A publication source_id already used answers that publication (see publications.replay),
    # before the customer is resolved: a retry must not create an inline customer again.
    replayed = await publications.replay(session, ctx, data.source_id)
    if replayed is not None:
        return replayed.voucher
    ref = {"id": data.customer} if isinstance(data.customer, str) else data.customer
    customer = await customers.resolve_reference(session, ctx, ref)
    if customer is None:
        raise InvalidPayload("customer is required", key="missing_customer")
    publication = PublicationCreate.model_validate(
        {
            "voucher": data.voucher,
            "customer": {"id": customer.id},
            "source_id": data.source_id,
            "metadata": data.metadata,
            "channel": data.channel,
        }
    )
    if data.voucher is not None:
        card = await get_member(session, ctx, data.voucher, program.id)
        if card.holder_id not in (None, customer.id):
            raise InvalidPayload(
                f"Card {card.code} already belongs to another customer", key="invalid_voucher"
            )
        published = await publications.create(session, ctx, publication, join_once=False)
        return published.voucher
    return await join(session, ctx, program, customer, data=publication)


def _credit_expiry(change: PointsChange, program: Campaign | None, today: date) -> date | None:
    kind = change.expiration_type or "PROGRAM_RULES"
    if kind == "NON_EXPIRING":
        return None
    if kind == "CUSTOM_DATE":
        if change.expiration_date is None:
            raise InvalidPayload("expiration_date is required with expiration_type CUSTOM_DATE")
        last_day = change.expiration_date.date()
        if last_day < today:
            raise InvalidPayload("expiration_date must not be in the past")
        return last_day
    return expires_on(program_expiration_rules(program), today)


async def change_points(
    session: AsyncSession,
    ctx: RequestContext,
    member_id: str,
    change: PointsChange,
    campaign_key: str | None = None,
) -> tuple[Voucher, VoucherTransaction]:
    card = await get_member(session, ctx, member_id, campaign_key)
    if change.points == 0:
        raise InvalidPayload("points must not be 0")
    await customers.lock(session, [card.holder_id])
    if change.points > 0:
        program = (
            await campaigns.get_by_id(session, ctx, card.campaign_id) if card.campaign_id else None
        )
        tx = await ledger.credit(
            session,
            ctx,
            card,
            change.points,
            kind=ledger.ADDITION,
            expires_on=_credit_expiry(change, program, ctx.today()),
            source_id=change.source_id,
            reason=change.reason,
        )
        assert tx is not None  # no dedupe key, so a credit always happens
    else:
        tx = await ledger.debit(
            session,
            ctx,
            card,
            -change.points,
            kind=ledger.REMOVAL,
            source_id=change.source_id,
            reason=change.reason,
        )
    return card, tx


async def transfer(
    session: AsyncSession,
    ctx: RequestContext,
    campaign_key: str,
    member_id: str,
    transfers: list[PointsTransfer],
) -> Voucher:
    """Move points from source cards of the same program to the member's card."""
    if not transfers:
        raise InvalidPayload("Give at least one source card")
    target = await get_member(session, ctx, member_id, campaign_key)
    program = await get_program(session, ctx, campaign_key)
    sources = [await get_member(session, ctx, t.code, program.id) for t in transfers]
    if any(s.id == target.id for s in sources):
        raise InvalidPayload("A card cannot transfer points to itself")
    # Holders, then every card in id order: two opposite transfers cannot deadlock.
    await customers.lock(session, [target.holder_id, *(s.holder_id for s in sources)])
    for card_id in sorted({target.id, *(s.id for s in sources)}):
        await repository.add_to_balance(session, card_id, 0)
    today = ctx.today()
    for source, item in zip(sources, transfers, strict=True):
        out = await ledger.debit(
            session,
            ctx,
            source,
            item.points,
            kind=ledger.TRANSFER_OUT,
            source_id=item.source_id,
            reason=item.reason,
            details={"destination_voucher": {"id": target.id, "code": target.code}},
        )
        await ledger.credit(
            session,
            ctx,
            target,
            item.points,
            kind=ledger.TRANSFER_IN,
            expires_on=expires_on(program_expiration_rules(program), today),
            source_id=item.source_id,
            reason=item.reason,
            details={"source_voucher": {"id": source.id, "code": source.code}},
            related_transaction_id=out.id,
        )
    return target

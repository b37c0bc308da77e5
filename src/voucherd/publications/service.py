"""Publishing codes to customers: a given voucher, or the next free code of a campaign."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.campaigns.serializers import simple_campaign
from voucherd.customers import service as customers
from voucherd.customers.models import Customer
from voucherd.customers.serializers import simple_customer
from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError, DuplicateFound, InvalidPayload
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.timefmt import iso
from voucherd.metadata_schemas import service as metadata_schemas
from voucherd.publications import repository
from voucherd.publications.models import Publication
from voucherd.publications.schemas import CampaignPick, PublicationCreate
from voucherd.publications.serializers import publication_base
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.schemas import VoucherCreate
from voucherd.vouchers.serializers import simple_voucher


class NoVoucherForPublication(ApiError):
    status = 400
    key = "no_voucher_suitable_for_publication"
    message = "No voucher suitable for publication"


class Published:
    def __init__(self, publication: Publication, customer: Customer, voucher: Voucher) -> None:
        self.publication = publication
        self.customer = customer
        self.voucher = voucher


async def _next_code(
    session: AsyncSession, ctx: RequestContext, campaign: Campaign, customer: Customer
) -> Voucher:
    voucher = await vouchers.claim_for_customer(session, campaign.id, customer.id)
    if voucher is not None:
        return voucher
    if campaign.type != "AUTO_UPDATE" or not campaign.active:
        raise NoVoucherForPublication(f"Campaign {campaign.name} has no free code left")
    # AUTO_UPDATE campaigns grow on demand: a new code from the template, already held.
    voucher = await vouchers.create(session, ctx, VoucherCreate(), campaign=campaign)
    await vouchers.assign_holder(session, voucher, customer.id)
    return voucher


async def replay(
    session: AsyncSession, ctx: RequestContext, source_id: str | None
) -> Published | None:
    """The publication already made under `source_id`, answered again; None if there is none.

    A publication's `source_id` makes it idempotent (Voucherify: the same source_id answers
    the same publication): the stored one comes back as it was made, for its own customer
    and code, whoever the new request names, and nothing is published twice. Every path
    that publishes with a caller's source_id (`POST /v1/publications`, loyalty members)
    asks here first.
    """
    if not source_id:
        return None
    existing = await repository.get_by_source_id(session, ctx.project_id, source_id)
    if existing is None:
        return None
    customer = await customers.get_by_id(session, ctx, existing.customer_id)
    if customer is None:  # the customer was deleted since: publications outlive it
        raise DuplicateFound(f"Publication with source_id {source_id} already exists")
    voucher = await vouchers.get(session, ctx, existing.voucher_id)
    return Published(existing, customer, voucher)


async def _insert(session: AsyncSession, publication: Publication) -> None:
    if publication.source_id is None:
        session.add(publication)
        await session.flush()
        return
    try:
        # Two concurrent requests with one new source_id both pass `replay` (neither sees the
        # other's uncommitted row); the unique key refuses the second. Inside a savepoint, so
        # that refusal is a clean 409 (the edge rolls back its claimed code) and not a 500.
        async with session.begin_nested():
            session.add(publication)
            await session.flush()
    except IntegrityError as exc:
        raise DuplicateFound(
            f"Publication with source_id {publication.source_id} already exists"
        ) from exc


async def _store(
    session: AsyncSession,
    ctx: RequestContext,
    customer: Customer,
    voucher: Voucher,
    campaign: Campaign | None,
    data: PublicationCreate | None,
) -> Publication:
    publication = Publication(
        id=new_id(Prefix.PUBLICATION),
        project_id=ctx.project_id,
        customer_id=customer.id,
        voucher_id=voucher.id,
        voucher_code=voucher.code,
        campaign_id=campaign.id if campaign else voucher.campaign_id,
        channel=(data.channel if data else None) or "API",
        source_id=data.source_id if data else None,
        metadata_=dict((data.metadata if data else None) or {}),
        created_at=utcnow(),
    )
    await _insert(session, publication)
    data_out: dict[str, Any] = {
        "customer": simple_customer(customer),
        "campaign": simple_campaign(campaign) if campaign else None,
        "publication": {**publication_base(publication), "vouchers": [voucher.code]},
        "voucher": simple_voucher(voucher),
    }
    await record_event(
        session, ctx, "publication.succeeded", entity_id=publication.id, data=data_out
    )
    await record_event(
        session,
        ctx,
        "voucher.published",
        entity_id=voucher.id,
        data={**data_out, "created_at": iso(publication.created_at)},
    )
    return publication


async def publish_from_campaign(
    session: AsyncSession,
    ctx: RequestContext,
    campaign: Campaign,
    customer: Customer,
    *,
    join_once: bool = False,
    data: PublicationCreate | None = None,
) -> Published:
    """The next free code of `campaign` for `customer` (reused by loyalty and rewards).

    A caller passing `data` with a source_id has asked `replay` first.
    """
    if join_once or campaign.join_once:
        # Locked, so two concurrent publications to one customer cannot both see "none held".
        await customers.lock(session, [customer.id])
        held = await vouchers.customer_voucher_in_campaign(session, campaign.id, customer.id)
        if held is not None:
            existing = await repository.latest_for(
                session, ctx.project_id, customer.id, campaign.id
            )
            if existing is not None:
                return Published(existing, customer, held)
    voucher = await _next_code(session, ctx, campaign, customer)
    publication = await _store(session, ctx, customer, voucher, campaign, data)
    return Published(publication, customer, voucher)


async def create(
    session: AsyncSession, ctx: RequestContext, data: PublicationCreate, *, join_once: bool
) -> Published:
    await metadata_schemas.check(session, ctx, "publication", data.metadata)
    # A replay first: a retry must not create its inline customer (say one given only by
    # email, which is created anew each time) a second time.
    replayed = await replay(session, ctx, data.source_id)
    if replayed is not None:
        return replayed
    customer = await customers.resolve_reference(session, ctx, data.customer)
    if customer is None:
        raise InvalidPayload("customer is required", key="missing_customer")
    if data.voucher:
        voucher = await vouchers.get(session, ctx, data.voucher)
        await vouchers.assign_holder(session, voucher, customer.id)
        campaign = (
            await campaigns.get_by_id(session, ctx, voucher.campaign_id)
            if voucher.campaign_id
            else None
        )
        publication = await _store(session, ctx, customer, voucher, campaign, data)
        return Published(publication, customer, voucher)
    if data.campaign is None:
        raise InvalidPayload("Give either `voucher` or `campaign`")
    pick = (
        data.campaign
        if isinstance(data.campaign, CampaignPick)
        else CampaignPick(name=data.campaign)
    )
    key = pick.id or pick.name
    if not key:
        raise InvalidPayload("campaign.name or campaign.id is required")
    campaign = await campaigns.get(session, ctx, key)
    return await publish_from_campaign(
        session, ctx, campaign, customer, join_once=join_once, data=data
    )

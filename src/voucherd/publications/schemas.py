"""Publication request body: a given voucher, or the next free code of a campaign."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from voucherd.customers.schemas import CustomerReference


class CampaignPick(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: StrictStr | None = None
    id: StrictStr | None = None
    count: StrictInt = Field(default=1, ge=1, le=20)


class PublicationCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    voucher: StrictStr | None = Field(default=None, max_length=300)
    campaign: CampaignPick | StrictStr | None = None
    customer: CustomerReference | None = None
    source_id: StrictStr | None = Field(default=None, max_length=200)
    channel: StrictStr | None = Field(default=None, max_length=32)  # the column's width
    metadata: dict[str, Any] | None = None

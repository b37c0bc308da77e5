"""Request bodies of `/v1/loyalties`: members, points balance changes, transfers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from voucherd.customers.schemas import CustomerReference
from voucherd.kit.money import MAX_POINTS

ExpirationType = Literal["PROGRAM_RULES", "CUSTOM_DATE", "NON_EXPIRING"]


class MemberCreate(BaseModel):
    """`POST /v1/loyalties/{campaignId}/members`: give a card of the program to a customer."""

    model_config = ConfigDict(extra="ignore")

    # A bare string is a customer id (as long as `customer.id` may be).
    customer: CustomerReference | Annotated[StrictStr, Field(min_length=1, max_length=64)]
    voucher: StrictStr | None = Field(default=None, max_length=300)
    source_id: StrictStr | None = Field(default=None, max_length=200)
    channel: StrictStr | None = Field(default=None, max_length=32)  # the publication's
    metadata: dict[str, Any] | None = None


class PointsChange(BaseModel):
    """`POST …/members/{memberId}/balance`: add (positive) or remove (negative) points."""

    model_config = ConfigDict(extra="ignore")

    points: StrictInt = Field(ge=-MAX_POINTS, le=MAX_POINTS)
    expiration_type: ExpirationType | None = None
    expiration_date: datetime | None = None
    reason: StrictStr | None = Field(default=None, max_length=1000)
    source_id: StrictStr | None = Field(default=None, max_length=200)


class PointsTransfer(BaseModel):
    """One source card of `POST …/members/{memberId}/transfers`."""

    model_config = ConfigDict(extra="ignore")

    code: StrictStr = Field(min_length=1, max_length=300)
    points: StrictInt = Field(ge=1, le=MAX_POINTS)
    reason: StrictStr | None = Field(default=None, max_length=1000)
    source_id: StrictStr | None = Field(default=None, max_length=200)

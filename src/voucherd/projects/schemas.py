"""Project request bodies on the Management API (`ManagementProjectsUpdateRequestBody`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictStr, field_validator

from voucherd.kit.bodies import RequestBody
from voucherd.kit.zones import UnknownZone, zone


class ProjectUpdate(RequestBody):
    # What the project object states as voucherd's behaviour (serializers.BEHAVIOUR) or what
    # voucherd does not keep (description, currency, dial code, notifications): refused when
    # set, so nobody believes a setting took effect that did not.
    unsupported = frozenset(
        {
            "description",
            "currency",
            "dial_code",
            "client_trusted_domains",
            "client_redeem_enabled",
            "client_publish_enabled",
            "client_list_vouchers_enabled",
            "client_create_customer_enabled",
            "client_loyalty_events_enabled",
            "client_set_voucher_expiration_date_enabled",
            "webhooks_callout_notifications",
            "api_usage_notifications",
            "default_code_config",
        }
    )

    name: StrictStr | None = Field(default=None, min_length=1, max_length=200)
    # The only webhook version, what the project states (SDKs send it with every update).
    webhook_version: Literal["v2024-01-01"] | None = None
    # An IANA name (`Europe/Warsaw`, `Etc/GMT+1`): local days are counted in it.
    timezone: StrictStr | None = Field(default=None, min_length=1, max_length=64)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                zone(value)
            except UnknownZone:
                raise ValueError(f"unknown time zone '{value}' (expected an IANA name)") from None
        return value

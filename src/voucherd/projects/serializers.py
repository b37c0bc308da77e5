"""Projects on the Management API."""

from __future__ import annotations

from typing import Any

from voucherd.projects.models import Project

# Settings Voucherify's project object always carries. None of them is stored: each states what
# voucherd does, so a client reading them learns the truth, not a preference we ignore.
BEHAVIOUR: dict[str, Any] = {
    # Self-hosted: no Voucherify cluster.
    "cluster_id": None,
    # Codes are looked up by exact match (vouchers.repository), so `C0dE` is not `c0de`.
    "case_sensitive_codes": True,
    # The client-side API (`/client/v1`, publishable keys) is not served: every client
    # switch is off and no domain is trusted.
    "client_trusted_domains": [],
    "client_redeem_enabled": False,
    "client_publish_enabled": False,
    "client_list_vouchers_enabled": False,
    "client_create_customer_enabled": False,
    "client_loyalty_events_enabled": False,
    "client_set_voucher_expiration_date_enabled": False,
    # voucherd sends no API-usage or callout-failure e-mails (nullable in the spec).
    "api_usage_notifications": None,
    "webhooks_callout_notifications": None,
    # Webhooks are signed with the project's secret (webhooks.signing_keys), not a token.
    "webhook_token": None,
}


def project_body(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "description": None,
        "timezone": project.timezone,
        "currency": "USD",
        "api_version": "v2018-08-01",
        "webhook_version": "v2024-01-01",
        "is_sandbox": False,
        **BEHAVIOUR,
        "object": "project",
    }

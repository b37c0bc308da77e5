"""Reads of publications for reports (the console's campaign page)."""

from __future__ import annotations

from sqlalchemy import Select

from voucherd.publications import repository
from voucherd.publications.models import Publication


def campaign_publications_query(project_id: str, campaign_id: str) -> Select[Publication]:
    """A campaign's publications, as `GET /v1/publications?campaign=` lists them."""
    return repository.list_query(project_id, campaign_id=campaign_id)

"""Fixtures of the campaign tests: keys, bodies, a store.

tests/conftest.py's `database_url` and `table_counts` cover the campaign tables too, so "bad
input changes nothing" holds for them as well.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from flask import Flask

from consent_service.adapters.campaign_store import CampaignStore
from consent_service.adapters.repository import SqlRepository
from consent_service.services.campaigns import CampaignView, NewCampaign, create_campaign
from tests.campaigns.factories import CONTENT


@pytest.fixture
def marketer(make_key: Callable[..., str]) -> dict[str, str]:
    """Headers of a key that may read, write and send campaigns (what `campaigns:write`
    alone allowed before `campaigns:send`)."""
    scopes = ("campaigns:read", "campaigns:write", "campaigns:send")
    return {"Authorization": f"Bearer {make_key(*scopes)}"}


@pytest.fixture
def editor(make_key: Callable[..., str]) -> dict[str, str]:
    """Headers of a key that may read and write campaigns but not send them."""
    return {"Authorization": f"Bearer {make_key('campaigns:read', 'campaigns:write')}"}


@pytest.fixture
def reader(make_key: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key('campaigns:read')}"}


@pytest.fixture
def store(app: Flask) -> Callable[[], Any]:
    """`with store() as s:` a CampaignStore in a transaction committed at the end."""

    @contextmanager
    def open_store() -> Iterator[CampaignStore]:
        with app.extensions["consent.sessions"]() as session, session.begin():
            yield SqlRepository(session).campaigns

    return open_store


@pytest.fixture
def new_campaign(store: Callable[[], Any]) -> Callable[..., CampaignView]:
    """Create a campaign through the service as if at `now`, so occurrences are known."""

    def create(schedule: dict[str, Any], now: datetime, **fields: Any) -> CampaignView:
        new = NewCampaign(
            name=fields.get("name", "Weekly news"),
            purpose=fields.get("purpose", "newsletters"),
            content=fields.get("content", CONTENT),
            schedule=schedule,
        )
        with store() as campaigns:
            return create_campaign(campaigns, new, may_send=True, default_locale="ky", now=now)

    return create

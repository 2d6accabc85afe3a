"""The link pages honour the token settings: confirm lifetime and the previous secret keys.

This module's app runs with `CONSENT_CONFIRM_TOKEN_DAYS=2` and
`CONSENT_PREVIOUS_SECRET_KEYS` naming two retired keys, as after a rotation.
"""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from consent_service.adapters import orm
from plumbing.tokens import LinkSigner
from tests.links.conftest import ONE_CLICK

RETIRED = ("retired-secret", "older-secret")


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return environ | {
        "CONSENT_CONFIRM_TOKEN_DAYS": "2",
        "CONSENT_PREVIOUS_SECRET_KEYS": ",".join(RETIRED),
    }


def test_a_confirm_link_older_than_the_configured_days_has_expired(
    client, sign_up, signer, minted_ago, table_counts
) -> None:
    subject_id = uuid.UUID(sign_up(locale="en"))
    fresh = minted_ago(timedelta(days=1), lambda: signer.confirm_token(subject_id))
    stale = minted_ago(timedelta(days=3), lambda: signer.confirm_token(subject_id))
    assert client.get(f"/confirm/{fresh}").status_code == 200
    before = table_counts()
    page = client.get(f"/confirm/{stale}")
    assert page.status_code == 410
    assert "This link has expired" in page.get_data(as_text=True)
    assert table_counts() == before


def test_the_used_token_is_remembered_until_the_configured_expiry(
    app, press, sign_up, confirm_link
) -> None:
    press(confirm_link(sign_up()), "confirm")
    with app.extensions["consent.sessions"]() as session:
        used_at, expires_at = session.execute(
            select(orm.UsedLinkToken.used_at, orm.UsedLinkToken.expires_at)
        ).one()
    assert timedelta(days=2) - timedelta(minutes=1) < expires_at - used_at <= timedelta(days=2)


@pytest.mark.parametrize("key", RETIRED)
def test_links_signed_with_a_retired_key_still_work(
    mail_provider, press, sign_up, statuses, key: str
) -> None:
    subject_id = sign_up({"newsletters": True, "promotions": True})
    old = LinkSigner(key)
    confirm = f"/confirm/{old.confirm_token(uuid.UUID(subject_id))}"
    assert press(confirm, "confirm").status_code == 200
    unsubscribe = f"/u/{old.unsubscribe_token(uuid.UUID(subject_id), 'promotions')}"
    assert mail_provider.post(unsubscribe, data=ONE_CLICK).status_code == 200
    assert statuses(subject_id) == {"newsletters": "granted", "promotions": "withdrawn"}
    preferences = f"/preferences/{old.preferences_token(uuid.UUID(subject_id))}"
    assert mail_provider.get(preferences).status_code == 200


def test_links_signed_with_a_key_not_listed_are_refused(
    client, mail_provider, csrf_field, sign_up, statuses, table_counts
) -> None:
    subject_id = uuid.UUID(sign_up())
    stranger = LinkSigner("never-our-secret")
    before = table_counts()
    for path in (
        f"/confirm/{stranger.confirm_token(subject_id)}",
        f"/u/{stranger.unsubscribe_token(subject_id, 'newsletters')}",
        f"/preferences/{stranger.preferences_token(subject_id)}",
    ):
        assert client.get(path).status_code == 400, path
        assert client.post(path, data=csrf_field).status_code == 400, path
    one_click = f"/u/{stranger.unsubscribe_token(subject_id, 'newsletters')}"
    assert mail_provider.post(one_click, data=ONE_CLICK).status_code == 400
    assert table_counts() == before
    assert statuses(str(subject_id)) == {"newsletters": "pending"}

"""The key `consent up` makes for its own mailer: kept in the instance, upgraded when a scope
it needs did not exist when it was made."""

from datetime import UTC, datetime

from consent_service.adapters.processes import internal_key
from consent_service.adapters.repository import SqlRepository
from consent_service.services import api_keys


def test_the_mailers_key_may_sync_and_is_reused(app, settings) -> None:
    key = internal_key(settings, "mailer catch-up", ["sync:read"])
    assert internal_key(settings, "mailer catch-up", ["sync:read"]) == key
    with app.extensions["consent.sessions"]() as session:
        client = api_keys.authenticate(SqlRepository(session), key)
    assert client is not None
    assert client.scopes == {"sync:read"}


def test_a_kept_key_made_before_sync_read_existed_is_revoked_and_replaced(app, settings) -> None:
    with app.extensions["consent.sessions"]() as session, session.begin():
        old = api_keys.create_key(
            SqlRepository(session), "mailer catch-up", ["subjects:read"], datetime.now(UTC)
        )
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    (settings.instance_dir / "mailer_catch-up.key").write_text(old)
    new = internal_key(settings, "mailer catch-up", ["sync:read"])
    assert new != old
    with app.extensions["consent.sessions"]() as session:
        registry = SqlRepository(session)
        assert api_keys.authenticate(registry, old) is None
        assert api_keys.authenticate(registry, new).scopes == {"sync:read"}
    assert (settings.instance_dir / "mailer_catch-up.key").read_text() == new

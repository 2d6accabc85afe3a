"""Migration 0009: keys that held `campaigns:write` keep the right to start runs.

Before it, `campaigns:write` also started and scheduled runs; after it that is
`campaigns:send`, which the migration gives to every key that held `campaigns:write`, so an
integration keeps working across the upgrade (SPEC section 9, decision 0030).
"""

import json
import uuid
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from consent_service.adapters.schema import MIGRATIONS
from plumbing.db import make_engine
from plumbing.migrations import config_for

OLD_KEYS = {
    "aaaaaaaaaaaa": ["campaigns:read", "campaigns:write"],
    "bbbbbbbbbbbb": ["campaigns:read"],
    "cccccccccccc": ["consents:write", "campaigns:write", "sync:read"],
}


def _scopes(url: str) -> dict[str, list[str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, scopes FROM api_keys")).all()
    finally:
        engine.dispose()
    return {key: scopes if isinstance(scopes, list) else json.loads(scopes) for key, scopes in rows}


def test_keys_with_campaigns_write_are_given_campaigns_send(empty_database) -> None:
    config = config_for(empty_database, MIGRATIONS)
    command.upgrade(config, "0008")
    engine = make_engine(empty_database)
    with engine.begin() as connection:
        for key_id, scopes in OLD_KEYS.items():
            connection.execute(
                text(
                    "INSERT INTO api_keys (id, name, scopes, secret_hash, created_at) "
                    "VALUES (:id, 'old', :scopes, 'x', :at)"
                ),
                {"id": key_id, "scopes": json.dumps(scopes), "at": datetime.now(UTC)},
            )
        connection.execute(
            text(
                "INSERT INTO campaigns (id, name, purpose, content, schedule, default_locale, "
                "status, next_run_at, control_version, created_at, updated_at) VALUES "
                "(:id, 'Old', 'newsletters', '{}', '{\"at\": \"2030-01-01T00:00:00+00:00\"}', "
                "'ky', 'scheduled', NULL, 0, :at, :at)"
            ),
            {
                "id": uuid.uuid4().hex if empty_database.startswith("sqlite") else uuid.uuid4(),
                "at": datetime.now(UTC),
            },
        )
    engine.dispose()

    command.upgrade(config, "head")

    assert _scopes(empty_database) == {
        "aaaaaaaaaaaa": ["campaigns:read", "campaigns:write", "campaigns:send"],
        "bbbbbbbbbbbb": ["campaigns:read"],
        "cccccccccccc": ["consents:write", "campaigns:write", "sync:read", "campaigns:send"],
    }
    command.downgrade(config, "0008")
    assert _scopes(empty_database) == OLD_KEYS

"""Retention: each rule removes what is older than its limit and keeps what is newer.

Data is written now, through the API; the purge is then run at a moment just before or just
after the rule's limit, which is the same as data just younger or older than the limit.
"""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, text

from consent_service.adapters import orm
from consent_service.adapters.retention_store import RetentionStore
from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.cli import main
from consent_service.domain.retention import RetentionRules, Rule
from consent_service.services.retention import Retention
from schemas.messages import load_message
from tests.factories import consent_body, unique_email
from tests.processes import consent_cli

DAY = timedelta(days=1)
RULES = RetentionRules(pending=30 * DAY, inactive=730 * DAY)


@pytest.fixture
def retention(app) -> Retention:
    uow = SqlUnitOfWork(app.extensions["consent.sessions"])
    return Retention(uow, RULES, "test-secret", batch_size=2)


@pytest.fixture
def query(app):
    engine = app.extensions["consent.engine"]

    def run(statement: str, **params) -> list:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return list(result) if result.returns_rows else []

    return run


@pytest.fixture
def sign_up(client, writer):
    """A person through the API; returns the subject id."""

    def create(purposes: dict[str, bool]) -> str:
        body = consent_body(email=unique_email(), purposes=purposes)
        answer = client.post("/v1/consents", json=body, headers=writer)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["subject_id"]

    return create


@pytest.fixture
def consent_status(client, writer):
    def status(subject_id: str, purpose: str) -> str | None:
        answer = client.get(f"/v1/subjects/{subject_id}", headers=writer)
        if answer.status_code == 404:
            return "erased"
        consent = answer.get_json()["consents"].get(purpose)
        return consent["status"] if consent else None

    return status


def test_a_pending_consent_older_than_the_limit_is_withdrawn_through_the_ledger(
    retention, sign_up, consent_status, query, environ
) -> None:
    subject_id = sign_up({"newsletters": True, "personalization": True})
    assert consent_status(subject_id, "newsletters") == "pending"
    assert retention.purge(datetime.now(UTC) + 29 * DAY)[Rule.PENDING_CONSENTS] == 0
    assert consent_status(subject_id, "newsletters") == "pending"
    done = retention.purge(datetime.now(UTC) + 31 * DAY)
    assert done[Rule.PENDING_CONSENTS] == 1
    assert consent_status(subject_id, "newsletters") == "withdrawn"
    assert consent_status(subject_id, "personalization") == "granted"
    (entry,) = query(
        "SELECT source, actor, previous_status, status FROM consent_ledger WHERE source = 'expiry'"
    )
    assert tuple(entry) == ("expiry", "retention", "pending", "withdrawn")
    (payload,) = [
        p for (p,) in query("SELECT payload FROM outbox WHERE routing_key LIKE '%withdrawn'")
    ]
    message = load_message(payload if isinstance(payload, dict) else json.loads(payload))
    assert (message["purpose"], message["source"]) == ("newsletters", "expiry")
    verified = consent_cli(environ, "audit", "verify")
    assert verified.returncode == 0, verified.stdout


def test_a_subject_without_granted_consent_is_erased_after_the_inactivity_limit(
    retention, sign_up, consent_status, query
) -> None:
    refused = sign_up({"personalization": False})
    unconfirmed = sign_up({"newsletters": True})
    granted = sign_up({"personalization": True})
    assert retention.plan(datetime.now(UTC) + 729 * DAY)[Rule.INACTIVE_SUBJECTS] == 0
    done = retention.purge(datetime.now(UTC) + 731 * DAY)
    assert done[Rule.INACTIVE_SUBJECTS] == 2
    assert consent_status(refused, "personalization") == "erased"
    assert consent_status(unconfirmed, "newsletters") == "erased"
    assert consent_status(granted, "personalization") == "granted"
    assert done[Rule.PENDING_CONSENTS] == 0  # the unconfirmed person was erased instead
    erased = query("SELECT count(*) FROM subjects WHERE erased_at IS NOT NULL AND email IS NULL")
    assert erased[0][0] == 2


def test_a_subject_active_again_since_the_listing_is_not_erased(
    retention, sign_up, consent_status, client, writer, monkeypatch
) -> None:
    subject_id = sign_up({"personalization": False})
    client.put(
        f"/v1/subjects/{subject_id}/consents/personalization",
        json={"status": "granted", "source": "preference_center"},
        headers=writer,
    )
    # As if it had been listed as inactive just before the person came back.
    monkeypatch.setattr(RetentionStore, "inactive_subjects", lambda *_: [uuid.UUID(subject_id)])
    assert retention.purge(datetime.now(UTC) + 731 * DAY)[Rule.INACTIVE_SUBJECTS] == 0
    assert consent_status(subject_id, "personalization") == "granted"


def add_rows(app, table, rows: list[dict]) -> None:
    with app.extensions["consent.engine"].begin() as conn:
        conn.execute(insert(table), rows)


def test_used_link_tokens_go_once_expired(app, retention, query) -> None:
    now = datetime.now(UTC)
    add_rows(
        app,
        orm.UsedLinkToken,
        [
            {
                "digest": bytes([n]) * 32,
                "intent": "confirm",
                "subject_id": uuid.uuid4(),
                "used_at": now - 8 * DAY,
                "expires_at": now + offset,
            }
            for n, offset in enumerate((-DAY, -timedelta(seconds=1), DAY))
        ],
    )
    assert retention.purge(now)[Rule.USED_LINK_TOKENS] == 2
    assert query("SELECT count(*) FROM used_link_tokens")[0][0] == 1


def test_webhook_event_ids_go_after_30_days(app, retention, query) -> None:
    now = datetime.now(UTC)
    add_rows(
        app,
        orm.WebhookEvent,
        [
            {"event_id": "old", "received_at": now - 31 * DAY},
            {"event_id": "recent", "received_at": now - 29 * DAY},
        ],
    )
    assert retention.purge(now)[Rule.WEBHOOK_EVENTS] == 1
    assert [e for (e,) in query("SELECT event_id FROM webhook_events")] == ["recent"]


def test_stored_answers_to_retried_requests_go_after_a_day(
    client, writer, retention, query
) -> None:
    for key in ("one", "two"):
        headers = writer | {"Idempotency-Key": key}
        client.post("/v1/consents", json=consent_body(), headers=headers)
    assert query("SELECT count(*) FROM idempotency_keys")[0][0] == 2
    assert retention.purge(datetime.now(UTC) + 23 * timedelta(hours=1))[Rule.IDEMPOTENCY_KEYS] == 0
    assert retention.purge(datetime.now(UTC) + 25 * timedelta(hours=1))[Rule.IDEMPOTENCY_KEYS] == 2


def test_a_dry_run_counts_per_rule_and_changes_nothing(
    retention, sign_up, table_counts, app
) -> None:
    sign_up({"newsletters": True, "promotions": True})
    sign_up({"personalization": False})
    sign_up({"personalization": True, "surveys": True})
    add_rows(
        app,
        orm.WebhookEvent,
        [{"event_id": "old", "received_at": datetime(2020, 1, 1, tzinfo=UTC)}],
    )
    before = table_counts()
    later = datetime.now(UTC) + 31 * DAY
    plan = retention.plan(later)
    assert plan == {
        Rule.INACTIVE_SUBJECTS: 0,
        Rule.PENDING_CONSENTS: 3,
        Rule.USED_LINK_TOKENS: 0,
        Rule.WEBHOOK_EVENTS: 1,
        Rule.IDEMPOTENCY_KEYS: 0,
    }
    assert table_counts() == before
    assert retention.purge(later) == plan


def test_the_dry_run_of_a_later_purge_counts_erased_people_once(retention, sign_up) -> None:
    sign_up({"newsletters": True})
    plan = retention.plan(datetime.now(UTC) + 731 * DAY)
    assert (plan[Rule.INACTIVE_SUBJECTS], plan[Rule.PENDING_CONSENTS]) == (1, 0)


def test_consent_purge_lists_counts_and_shows_progress(
    environ, sign_up, query, table_counts
) -> None:
    sign_up({"newsletters": True})
    past = datetime.now(UTC) - 40 * DAY
    query("UPDATE consents SET updated_at = :t", t=past)
    before = table_counts()
    dry = CliRunner().invoke(main, ["purge", "--dry-run"], env=environ)
    assert dry.exit_code == 0, dry.output
    assert "pending_consents          1" in dry.stdout
    assert "dry run: 1 items would be removed or changed; nothing was changed" in dry.stdout
    assert table_counts() == before
    done = CliRunner().invoke(main, ["purge"], env=environ)
    assert done.exit_code == 0, done.output
    assert "purged: 1 items removed or changed" in done.stdout
    assert "pending consents never confirmed, withdrawn (by subject): 1/1 done" in done.stderr
    assert query("SELECT status FROM consents")[0][0] == "withdrawn"

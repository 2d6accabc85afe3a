"""`consent audit verify` as an auditor runs it, against a ledger someone tampered with."""

import dataclasses

import pytest
from sqlalchemy import select, text

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from consent_service.domain.ledger import genesis_hash
from tests.factories import consent_body
from tests.processes import consent_cli


@pytest.fixture
def history(client, writer) -> str:
    """Two subjects with a few changes each; returns one subject id."""
    body = consent_body(purposes={"newsletters": True, "personalization": True})
    subject_id = client.post("/v1/consents", json=body, headers=writer).get_json()["subject_id"]
    client.put(
        f"/v1/subjects/{subject_id}/consents/personalization",
        json={"status": "withdrawn", "source": "preference_center"},
        headers=writer,
    )
    client.post("/v1/consents", json=consent_body(), headers=writer)
    return subject_id


def tamper(app, statement: str, **params) -> None:
    with app.extensions["consent.engine"].begin() as conn:
        conn.execute(text(statement), params)


def test_an_untouched_ledger_verifies(environ, history) -> None:
    result = consent_cli(environ, "audit", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ledger verifies: 4 entries, 2 subjects" in result.stdout


def test_an_edited_ledger_row_fails_verification(app, environ, history) -> None:
    tamper(app, "UPDATE consent_ledger SET status = 'granted' WHERE status = 'withdrawn'")
    result = consent_cli(environ, "audit", "verify")
    assert result.returncode == 1
    assert "content does not match its hash (edited)" in result.stdout


def test_a_deleted_last_entry_fails_verification(app, environ, history) -> None:
    tamper(app, "DELETE FROM consent_ledger WHERE id = (SELECT max(id) FROM consent_ledger)")
    result = consent_cli(environ, "audit", "verify")
    assert result.returncode == 1
    assert "entries removed" in result.stdout


def test_reordered_entries_fail_verification(app, environ, history) -> None:
    tamper(app, "UPDATE consent_ledger SET seq = seq + 100 WHERE seq IN (1, 2)")
    tamper(app, "UPDATE consent_ledger SET seq = 2 WHERE seq = 101")
    tamper(app, "UPDATE consent_ledger SET seq = 1 WHERE seq = 102")
    result = consent_cli(environ, "audit", "verify")
    assert result.returncode == 1
    assert "removed or reordered" in result.stdout


def rewrite_chain_with_valid_hashes(app, subject_id: str) -> None:
    """What an attacker with database access would do: edit, then recompute every hash."""
    sessions = app.extensions["consent.sessions"]
    with sessions() as session, session.begin():
        entries = [
            e
            for e in SqlRepository(session).audit.ledger_entries()
            if e.record.subject_id == subject_id
        ]
        prev = genesis_hash(subject_id)
        for stored in entries:
            status = "granted" if stored.record.status == "withdrawn" else stored.record.status
            record = dataclasses.replace(stored.record, status=status, prev_hash=prev)
            prev = record.hash()
            session.execute(
                text(
                    "UPDATE consent_ledger SET status = :st, prev_hash = :p, hash = :h "
                    "WHERE id = :i"
                ),
                {"st": record.status, "p": record.prev_hash, "h": prev, "i": stored.id},
            )


def test_a_rewritten_chain_passes_without_checkpoint(app, environ, history) -> None:
    """The limit of hash chains alone, and the reason checkpoints are sealed with a key."""
    rewrite_chain_with_valid_hashes(app, history)
    assert consent_cli(environ, "audit", "verify").returncode == 0


def test_a_sealed_checkpoint_catches_a_chain_rewritten_with_valid_hashes(
    app, environ, history
) -> None:
    sealed = consent_cli(environ, "audit", "checkpoint", "--settle-seconds", "0")
    assert sealed.returncode == 0, sealed.stderr
    assert "sealed 4 entries" in sealed.stdout
    assert consent_cli(environ, "audit", "verify").returncode == 0
    rewrite_chain_with_valid_hashes(app, history)
    result = consent_cli(environ, "audit", "verify")
    assert result.returncode == 1
    assert "changed since it was sealed" in result.stdout


def test_a_checkpoint_leaves_entries_younger_than_the_settle_time(environ, history) -> None:
    result = consent_cli(environ, "audit", "checkpoint")
    assert result.returncode == 0
    assert "nothing new to seal" in result.stdout


def test_verification_fails_with_a_foreign_secret_key(environ, history) -> None:
    consent_cli(environ, "audit", "checkpoint", "--settle-seconds", "0")
    result = consent_cli(environ | {"CONSENT_SECRET_KEY": "another"}, "audit", "verify")
    assert result.returncode == 1
    assert "seal does not verify" in result.stdout


def kept_verifications(app) -> list:
    with app.extensions["consent.engine"].connect() as connection:
        table = orm.AuditVerification.__table__
        return list(connection.execute(select(table).order_by(table.c.id)))


def test_each_verification_is_kept_for_the_console_broken_or_not(app, environ, history) -> None:
    assert consent_cli(environ, "audit", "verify").returncode == 0
    tamper(app, "UPDATE consent_ledger SET status = 'granted' WHERE status = 'withdrawn'")
    assert consent_cli(environ, "audit", "verify").returncode == 1

    whole, broken = kept_verifications(app)

    assert (whole.actor, whole.entries, whole.subjects, whole.problems) == ("cli", 4, 2, 0)
    assert broken.problems >= 1
    assert any("(edited)" in finding for finding in broken.findings)

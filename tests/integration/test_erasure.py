"""`DELETE /v1/subjects/{id}`: what erasure leaves in the registry, and what it no longer lets
back in. The whole service, mailer and broker included, is in tests/e2e/test_erasure_*.py."""

import csv
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from consent_service.cli import main
from consent_service.domain.import_rows import COLUMNS
from consent_service.domain.suppression import SuppressionReason
from consent_service.services import audit
from consent_service.services.erasure import refuse_if_erased
from consent_service.services.suppressions import suppression_reasons
from tests.factories import consent_body, unique_email
from tests.leftovers import tables_holding
from tests.processes import consent_cli

SECRET = "test-secret"


@pytest.fixture
def person(client, writer) -> dict[str, str]:
    """Someone with a rich past: several decisions, a stored API answer, a rectified address,
    a name, an external id and evidence with an IP. Returns their ids and both addresses."""
    earlier, current = unique_email(), unique_email()
    body = consent_body(
        earlier,
        {"newsletters": True, "personalization": True},
        evidence={"ip": "192.0.2.10", "user_agent": "Browser/1.0"},
    )
    body["subject"] |= {"name": "Aigul Toktosunova", "external_id": "shop-4711"}
    created = client.post(
        "/v1/consents", json=body, headers=writer | {"Idempotency-Key": "sign-up-1"}
    )
    assert created.status_code == 201, created.get_json()
    subject_id = created.get_json()["subject_id"]
    patched = client.patch(f"/v1/subjects/{subject_id}", json={"email": current}, headers=writer)
    assert patched.status_code == 200, patched.get_json()
    client.put(
        f"/v1/subjects/{subject_id}/consents/personalization",
        json={"status": "withdrawn", "source": "preference_center"},
        headers=writer,
    )
    return {"subject_id": subject_id, "earlier": earlier, "current": current}


@pytest.fixture
def moved_twice(client, writer, person) -> dict[str, str]:
    """The `person` after a second change of address: two earlier addresses, one current."""
    latest = unique_email()
    patched = client.patch(
        f"/v1/subjects/{person['subject_id']}", json={"email": latest}, headers=writer
    )
    assert patched.status_code == 200, patched.get_json()
    return person | {"earliest": person["earlier"], "earlier": person["current"], "current": latest}


def import_file(environ, path: Path, emails: list[str]):
    """`consent import` of one granted newsletter row per address, as an operator runs it."""
    with path.open("w", newline="") as handle:
        rows = csv.DictWriter(handle, fieldnames=COLUMNS)
        rows.writeheader()
        for email in emails:
            rows.writerow(
                {
                    "email": email,
                    "purpose": "newsletters",
                    "status": "granted",
                    "consented_at": "2026-11-05T10:00:00+06:00",
                    "source": "newsletter_form",
                    "policy_version": "2026-11-01",
                }
            )
    result = CliRunner().invoke(main, ["import", str(path)], env=environ)
    with path.with_name(f"{path.stem}.rejected.csv").open(newline="") as handle:
        return result, list(csv.DictReader(handle))


def erase(client, writer, subject_id: str):
    return client.delete(f"/v1/subjects/{subject_id}", headers=writer)


def in_registry(app, work):
    with app.extensions["consent.sessions"]() as session, session.begin():
        return work(SqlRepository(session))


def test_erasure_answers_204_and_the_subject_is_then_404_everywhere(client, writer, person) -> None:
    subject_id = person["subject_id"]
    response = erase(client, writer, subject_id)
    assert (response.status_code, response.get_data()) == (204, b"")
    put_body = {"status": "granted", "source": "admin"}
    answers = [
        client.get(f"/v1/subjects/{subject_id}", headers=writer),
        client.get(f"/v1/subjects?email={person['current']}", headers=writer),
        client.get(f"/v1/subjects/{subject_id}/history", headers=writer),
        client.put(
            f"/v1/subjects/{subject_id}/consents/newsletters", json=put_body, headers=writer
        ),
        client.patch(f"/v1/subjects/{subject_id}", json={"locale": "ru"}, headers=writer),
        erase(client, writer, subject_id),
    ]
    assert [a.status_code for a in answers] == [404] * len(answers)
    assert {a.mimetype for a in answers} == {"application/problem+json"}


def test_no_table_holds_the_address_the_earlier_one_or_the_name_afterwards(
    client, writer, person, database_url
) -> None:
    needles = [person["earlier"], person["current"], "Aigul Toktosunova", "shop-4711"]
    assert tables_holding(database_url, needles), "the search finds nothing even before"
    assert erase(client, writer, person["subject_id"]).status_code == 204
    assert tables_holding(database_url, needles) == {}


def test_the_ledger_is_pseudonymised_chained_on_and_still_verifies(
    app, client, writer, person, environ
) -> None:
    subject_id = uuid.UUID(person["subject_id"])
    later = datetime.now(UTC) + timedelta(minutes=5)
    in_registry(app, lambda r: audit.checkpoint(r, SECRET, later))  # seal what exists now
    before = client.get(f"/v1/subjects/{subject_id}/history", headers=writer).get_json()
    assert erase(client, writer, str(subject_id)).status_code == 204
    entries = in_registry(app, lambda r: r.history(subject_id))
    assert [(e.evidence, e.evidence_nonce) for e in entries] == [(None, None)] * len(entries)
    assert [e.hash for e in entries[:-1]] == [e["hash"] for e in before["entries"]]
    last = entries[-1].record
    assert (last.kind, last.seq, last.source, last.purpose) == (
        "erasure",
        before["entries"][-1]["version"] + 1,
        "admin",
        None,
    )
    assert in_registry(app, lambda r: r.ledger_hash(subject_id, last.seq - 1)) == last.prev_hash
    result = consent_cli(environ, "audit", "verify")
    assert result.returncode == 0, result.stdout + result.stderr


def test_one_transaction_leaves_the_tombstone_the_message_the_request_and_the_hash(
    app, client, writer, person
) -> None:
    subject_id = uuid.UUID(person["subject_id"])
    assert erase(client, writer, str(subject_id)).status_code == 204
    with app.extensions["consent.sessions"]() as session:
        subject = session.get(orm.Subject, subject_id)
        consents = session.scalars(select(orm.Consent).where(orm.Consent.subject_id == subject_id))
        messages = session.scalars(
            select(orm.OutboxMessage).where(orm.OutboxMessage.subject_id == subject_id)
        ).all()
        answers = session.scalars(
            select(orm.IdempotentRequest).where(orm.IdempotentRequest.subject_id == subject_id)
        ).all()
        requests = session.execute(
            select(orm.RightsRequest.kind, orm.RightsRequest.source, orm.RightsRequest.status)
        ).all()
    assert (subject.email, subject.email_key, subject.name, subject.external_id) == (None,) * 4
    assert subject.erased_at is not None
    assert list(consents) == []
    assert [m.payload for m in messages] == [
        {
            "schema": "subject.erased/1",
            "message_id": str(messages[0].message_id),
            "occurred_at": messages[0].payload["occurred_at"],
            "subject_id": str(subject_id),
            "version": subject.version,
        }
    ]
    assert answers == []
    assert requests == [("erasure", "admin", "closed")]
    reasons = in_registry(app, lambda r: suppression_reasons(r, (SECRET,), person["current"]))
    assert reasons == {SuppressionReason.ERASED}


def test_the_sync_feed_lists_the_subject_as_erased_without_contact_data(
    client, writer, make_key, person
) -> None:
    assert erase(client, writer, person["subject_id"]).status_code == 204
    reader = {"Authorization": f"Bearer {make_key('sync:read')}"}
    listing = client.get(f"/v1/sync/buckets/{person['subject_id'][:2]}", headers=reader)
    subjects = listing.get_json()["subjects"]
    [entry] = [s for s in subjects if s["subject_id"] == person["subject_id"]]
    assert entry["erased"] is True
    assert (entry["email"], entry["name"]) == (None, None)


@pytest.mark.parametrize("source", ["import", "admin"])
def test_an_import_or_admin_grant_of_an_erased_address_is_409_and_creates_nothing(
    client, writer, person, table_counts, source
) -> None:
    assert erase(client, writer, person["subject_id"]).status_code == 204
    before = table_counts()
    body = consent_body(person["current"].upper(), {"newsletters": True}, source=source)
    response = client.post("/v1/consents", json=body, headers=writer)
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "erased" in response.get_json()["detail"]
    assert table_counts() == before


def test_every_earlier_address_of_a_rectified_person_is_refused_after_erasure(
    client, writer, moved_twice, table_counts, environ, tmp_path
) -> None:
    """Guarantee 7 for a person who changed address: no import brings back any of them."""
    addresses = [moved_twice["earliest"], moved_twice["earlier"], moved_twice["current"]]
    assert erase(client, writer, moved_twice["subject_id"]).status_code == 204
    before = table_counts()
    for address in addresses:
        body = consent_body(address.upper(), {"newsletters": True}, source="import")
        response = client.post("/v1/consents", json=body, headers=writer)
        assert response.status_code == 409, (address, response.get_json())
        assert response.mimetype == "application/problem+json"
        assert "erased" in response.get_json()["detail"]
    result, rejected = import_file(environ, tmp_path / "old-list.csv", addresses)
    assert "imported 0, unchanged 0, rejected 3" in result.stdout, result.output
    assert [row["email"] for row in rejected] == addresses
    assert {row["reason"].split(":")[0] for row in rejected} == {"suppressed"}
    assert all("(erased)" in row["reason"] for row in rejected)
    assert table_counts() == before


def test_no_table_holds_any_address_the_person_ever_had_afterwards(
    client, writer, moved_twice, database_url
) -> None:
    addresses = [moved_twice["earliest"], moved_twice["earlier"], moved_twice["current"]]
    assert erase(client, writer, moved_twice["subject_id"]).status_code == 204
    assert tables_holding(database_url, addresses) == {}
    with_former = [a.upper() for a in addresses]
    assert tables_holding(database_url, with_former) == {}


@pytest.mark.parametrize("kept_in", ["outbox", "idempotency_keys"])
def test_an_address_changed_before_former_addresses_were_kept_is_refused_too(
    app, client, writer, person, kept_in
) -> None:
    """A subject rectified by an older release has no keyed hash of its earlier address;
    erasure finds it in what the registry still holds (messages not yet pruned, stored API
    answers) before deleting those."""
    subject_id = uuid.UUID(person["subject_id"])
    gone = {"outbox": orm.IdempotentRequest, "idempotency_keys": orm.OutboxMessage}[kept_in]

    def as_an_older_release_left_it(registry: SqlRepository) -> None:
        session = registry.session
        session.execute(delete(orm.FormerAddress).where(orm.FormerAddress.subject_id == subject_id))
        session.execute(delete(gone).where(gone.subject_id == subject_id))

    in_registry(app, as_an_older_release_left_it)
    assert erase(client, writer, str(subject_id)).status_code == 204
    body = consent_body(person["earlier"], {"newsletters": True}, source="import")
    assert client.post("/v1/consents", json=body, headers=writer).status_code == 409


def test_a_rectification_keeps_only_a_keyed_hash_of_the_earlier_address(
    app, client, writer, person, database_url
) -> None:
    subject_id = uuid.UUID(person["subject_id"])
    with app.extensions["consent.sessions"]() as session:
        former = session.scalars(
            select(orm.FormerAddress.address_hash).where(orm.FormerAddress.subject_id == subject_id)
        ).all()
    assert [len(hashed) for hashed in former] == [32]
    assert "former_addresses" not in tables_holding(database_url, [person["earlier"]])


def test_an_import_of_an_unknown_address_is_accepted(client, writer) -> None:
    body = consent_body(unique_email(), {"newsletters": True}, source="import")
    assert client.post("/v1/consents", json=body, headers=writer).status_code == 201


def test_a_fresh_sign_up_through_a_form_brings_the_address_back_as_a_new_subject(
    app, client, writer, person
) -> None:
    assert erase(client, writer, person["subject_id"]).status_code == 204
    body = consent_body(person["current"], {"newsletters": True}, source="newsletter_form")
    response = client.post("/v1/consents", json=body, headers=writer)
    assert response.status_code == 201
    again = response.get_json()
    assert again["subject_id"] != person["subject_id"]
    assert again["consents"]["newsletters"]["status"] == "pending"
    history = client.get(f"/v1/subjects/{again['subject_id']}/history", headers=writer)
    assert [e["source"] for e in history.get_json()["entries"]] == ["newsletter_form"]
    reasons = in_registry(app, lambda r: suppression_reasons(r, (SECRET,), person["current"]))
    assert reasons == set()
    imported = consent_body(person["current"], {"promotions": True}, source="import")
    assert client.post("/v1/consents", json=imported, headers=writer).status_code == 200


def test_the_import_check_refuses_only_sources_without_fresh_consent(
    app, client, writer, person
) -> None:
    """`refuse_if_erased` is what `consent import` calls for every row."""
    assert erase(client, writer, person["subject_id"]).status_code == 204
    check = lambda source: in_registry(  # noqa: E731
        app, lambda r: refuse_if_erased(r, ("new-key", SECRET), person["current"], source)
    )
    check("registration")
    for source in ("import", "admin", "preference_center"):
        with pytest.raises(Exception, match="suppression list"):
            check(source)


@pytest.mark.parametrize(
    ("subject_id", "scopes", "status"),
    [
        ("not-a-uuid", ("subjects:write",), 404),
        (str(uuid.uuid4()), ("subjects:write",), 404),
        (None, ("subjects:read", "consents:write"), 403),
        (None, (), 401),
    ],
)
def test_a_refused_erasure_is_a_problem_and_changes_nothing(
    client, make_key, person, table_counts, subject_id, scopes, status
) -> None:
    headers = {"Authorization": f"Bearer {make_key(*scopes)}"} if scopes else {}
    before = table_counts()
    response = client.delete(f"/v1/subjects/{subject_id or person['subject_id']}", headers=headers)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert table_counts() == before


def test_two_erasures_at_once_erase_once_and_the_other_finds_nobody(app, writer, person) -> None:
    start = threading.Barrier(2)
    statuses: list[int] = []

    def erase_now() -> None:
        client = app.test_client()
        start.wait()
        statuses.append(
            client.delete(f"/v1/subjects/{person['subject_id']}", headers=writer).status_code
        )

    threads = [threading.Thread(target=erase_now) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [204, 404]
    entries = in_registry(app, lambda r: r.history(uuid.UUID(person["subject_id"])))
    assert [e.record.kind for e in entries].count("erasure") == 1

"""POST /v1/consents and PUT /v1/subjects/{id}/consents/{purpose}, end to end over HTTP."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from consent_service.app import create_app
from consent_service.config import Settings
from consent_service.services.api_keys import create_key
from tests.factories import consent_body, unique_email


def test_first_submission_creates_the_subject_with_pending_and_granted_purposes(
    client, writer
) -> None:
    body = consent_body(
        email="  Aigul@Example.KG ",
        purposes={"newsletters": True, "promotions": False, "personalization": True},
        policy_version="2026-11-01",
    )
    response = client.post("/v1/consents", json=body, headers=writer)
    assert response.status_code == 201
    answer = response.get_json()
    assert answer["email"] == "Aigul@example.kg"
    assert answer["locale"] == "ky"
    uuid.UUID(answer["subject_id"])
    statuses = {p: c["status"] for p, c in answer["consents"].items()}
    assert statuses == {
        "newsletters": "pending",
        "promotions": "withdrawn",
        "personalization": "granted",
    }
    assert {c["policy_version"] for c in answer["consents"].values()} == {"2026-11-01"}
    assert answer["version"] == 3


def test_a_known_address_in_another_case_is_the_same_subject_and_answers_200(
    client, writer
) -> None:
    first = client.post("/v1/consents", json=consent_body(email="aigul@example.kg"), headers=writer)
    again = client.post(
        "/v1/consents",
        json=consent_body(email="AIGUL@example.kg", purposes={"personalization": True}),
        headers=writer,
    )
    assert again.status_code == 200
    assert again.get_json()["subject_id"] == first.get_json()["subject_id"]
    assert set(again.get_json()["consents"]) == {"newsletters", "personalization"}


def test_consent_without_policy_version_is_bound_to_the_current_policy(client, writer) -> None:
    answer = client.post("/v1/consents", json=consent_body(), headers=writer).get_json()
    assert answer["consents"]["newsletters"]["policy_version"] == "2026-11-01"


def test_subject_is_found_by_id_and_by_email_case_insensitively(client, writer) -> None:
    created = client.post("/v1/consents", json=consent_body(email="Bek@shop.kg"), headers=writer)
    subject_id = created.get_json()["subject_id"]
    by_id = client.get(f"/v1/subjects/{subject_id}", headers=writer)
    by_email = client.get("/v1/subjects", query_string={"email": "BEK@SHOP.KG"}, headers=writer)
    assert by_id.status_code == by_email.status_code == 200
    assert by_id.get_json() == by_email.get_json() == created.get_json()


def test_unknown_email_lookup_is_404_problem(client, writer) -> None:
    response = client.get("/v1/subjects", query_string={"email": "nobody@x.kg"}, headers=writer)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_put_withdraws_and_grants_one_purpose(client, writer) -> None:
    created = client.post(
        "/v1/consents", json=consent_body(purposes={"personalization": True}), headers=writer
    ).get_json()
    url = f"/v1/subjects/{created['subject_id']}/consents/personalization"
    withdrawn = client.put(
        url, json={"status": "withdrawn", "source": "preference_center"}, headers=writer
    )
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["consents"]["personalization"]["status"] == "withdrawn"
    granted = client.put(url, json={"status": "granted", "source": "admin"}, headers=writer)
    assert granted.get_json()["consents"]["personalization"]["status"] == "granted"
    assert granted.get_json()["version"] == 3


def test_put_grant_of_an_email_purpose_waits_for_double_opt_in(client, writer) -> None:
    created = client.post(
        "/v1/consents", json=consent_body(purposes={"personalization": True}), headers=writer
    ).get_json()
    url = f"/v1/subjects/{created['subject_id']}/consents/surveys"
    answer = client.put(url, json={"status": "granted", "source": "survey"}, headers=writer)
    assert answer.get_json()["consents"]["surveys"]["status"] == "pending"


def test_double_opt_in_can_be_turned_off_by_configuration(environ) -> None:
    app = create_app(Settings.from_env(environ | {"CONSENT_DOUBLE_OPT_IN": ""}))
    with app.extensions["consent.sessions"]() as session, session.begin():
        key = create_key(SqlRepository(session), "t", ["consents:write"], datetime.now(UTC))
    answer = app.test_client().post(
        "/v1/consents", json=consent_body(), headers={"Authorization": f"Bearer {key}"}
    )
    app.extensions["consent.engine"].dispose()
    assert answer.get_json()["consents"]["newsletters"]["status"] == "granted"


def test_history_lists_ledger_entries_oldest_first_with_chain_hashes(client, writer) -> None:
    created = client.post(
        "/v1/consents", json=consent_body(purposes={"personalization": True}), headers=writer
    ).get_json()
    subject_id = created["subject_id"]
    client.put(
        f"/v1/subjects/{subject_id}/consents/personalization",
        json={"status": "withdrawn", "source": "preference_center"},
        headers=writer,
    )
    history = client.get(f"/v1/subjects/{subject_id}/history", headers=writer).get_json()
    assert history["subject_id"] == subject_id
    entries = history["entries"]
    assert [(e["previous_status"], e["status"], e["source"]) for e in entries] == [
        (None, "granted", "registration"),
        ("granted", "withdrawn", "preference_center"),
    ]
    assert all(len(e["hash"]) == 64 for e in entries)
    assert {e["actor"] for e in entries} != {"public"}
    assert all(e["policy_version"] == "2026-11-01" for e in entries)


def test_every_change_has_exactly_one_outbox_message_and_one_ledger_entry(
    client, writer, registry_session
) -> None:
    body = consent_body(
        purposes={"newsletters": True, "promotions": False, "personalization": True}
    )
    subject_id = client.post("/v1/consents", json=body, headers=writer).get_json()["subject_id"]
    client.post("/v1/consents", json=body, headers=writer)  # repeats: no change
    session = registry_session().session
    ledger = session.execute(select(orm.LedgerEntry.seq, orm.LedgerEntry.purpose)).all()
    messages = session.scalars(select(orm.OutboxMessage)).all()
    outbox = [m for m in messages if m.payload["schema"] == "consent.changed/1"]
    assert [m.routing_key for m in messages if m not in outbox] == ["optin.confirmation_requested"]
    assert sorted(ledger) == [(1, "newsletters"), (2, "personalization"), (3, "promotions")]
    assert sorted((m.payload["version"], m.payload["purpose"]) for m in outbox) == sorted(ledger)
    message = next(m for m in outbox if m.payload["purpose"] == "newsletters")
    assert message.payload["schema"] == "consent.changed/1"
    assert message.payload["subject_id"] == subject_id
    assert message.payload["status"] == "pending"
    assert message.routing_key == "consent.newsletters.pending"


def test_evidence_is_stored_with_a_truncated_ip_and_the_key_as_actor(
    client, writer, registry_session
) -> None:
    body = consent_body(
        evidence={"form_id": "footer", "ip": "203.0.113.77", "user_agent": "Mozilla/5.0"}
    )
    client.post("/v1/consents", json=body, headers=writer)
    entry = registry_session().session.scalars(select(orm.LedgerEntry)).one()
    assert entry.evidence == {
        "form_id": "footer",
        "ip": "203.0.113.0/24",
        "user_agent": "Mozilla/5.0",
    }
    assert entry.actor == writer["Authorization"].split("_")[1]


def test_same_idempotency_key_and_body_replays_the_answer_and_writes_nothing(
    client, writer, table_counts
) -> None:
    body = consent_body(email=unique_email())
    headers = writer | {"Idempotency-Key": "order-77"}
    first = client.post("/v1/consents", json=body, headers=headers)
    counts = table_counts()
    again = client.post("/v1/consents", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert table_counts() == counts


def test_same_idempotency_key_with_another_body_is_422_and_changes_nothing(
    client, writer, table_counts
) -> None:
    headers = writer | {"Idempotency-Key": "order-78"}
    client.post("/v1/consents", json=consent_body(), headers=headers)
    counts = table_counts()
    other = client.post("/v1/consents", json=consent_body(), headers=headers)
    assert other.status_code == 422
    assert other.content_type == "application/problem+json"
    assert "Idempotency-Key" in other.get_json()["errors"]
    assert table_counts() == counts

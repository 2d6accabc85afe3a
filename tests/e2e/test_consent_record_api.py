"""`GET /v1/subjects/{id}/consent-record` on both databases: ISO/IEC TS 27560 records in the
DPV JSON-LD profile that match the ledger for a grant, a withdrawal and a re-grant."""

import io
import json
import uuid
import zipfile
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF

from consent_service.domain.consent_records import CONTEXT, PROFILE
from consent_service.faces.exports import MAILER_PART
from tests.factories import consent_body
from tests.hostile_input import hostile_text, url_quote
from tests.linked_data import DCT, DPV, triples_of


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return environ | {
        "CONSENT_LEGAL_NAME": "«Аю Дүкөн» ЖЧК",
        "CONSENT_POSTAL_ADDRESS": "Чүй проспекти 1, Бишкек",
        "CONSENT_CONTROLLER_CONTACT": "privacy@ayu.kg",
        "PUBLIC_BASE_URL": "https://ayu.kg",
    }


@pytest.fixture
def reader(make_key) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key('subjects:read')}"}


@pytest.fixture
def person(client, writer) -> str:
    """Personalisation granted, withdrawn on the preference centre, granted again (newsletters
    would wait for double opt-in); promotions refused."""
    body = consent_body(purposes={"personalization": True, "promotions": False})
    created = client.post("/v1/consents", json=body, headers=writer)
    assert created.status_code == 201, created.get_json()
    subject_id = created.get_json()["subject_id"]
    for status in ("withdrawn", "granted"):
        changed = client.put(
            f"/v1/subjects/{subject_id}/consents/personalization",
            json={"status": status, "source": "preference_center"},
            headers=writer,
        )
        assert changed.status_code == 200, changed.get_json()
    return subject_id


ANY_ID = hostile_text.filter(lambda raw: raw not in ("", ".", "..") and "/" not in raw)
"""What a client may put where the id goes, as one path segment: an empty or dot segment, or
a slash (the server decodes %2F), makes another path, which the router redirects or resolves
before any route is chosen (tests/e2e/test_no_server_error.py covers those paths)."""


def records_of(client, headers, subject_id: str):
    return client.get(f"/v1/subjects/{subject_id}/consent-record", headers=headers)


def test_the_records_match_the_ledger_for_a_grant_a_withdrawal_and_a_regrant(
    client, reader, person
) -> None:
    response = records_of(client, reader, person)
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.headers["Cache-Control"] == "no-store"
    body = json.loads(response.data)
    assert body["@context"] == CONTEXT
    personalization, promotions = body["@graph"]
    history = client.get(f"/v1/subjects/{person}/history", headers=reader).get_json()["entries"]
    ledger = [e for e in history if e["purpose"] == "personalization"]
    events = personalization["dct:hasPart"]
    assert [e["ledger:sequence"] for e in events] == [e["version"] for e in ledger]
    assert [e["ledger:entryHash"] for e in events] == [e["hash"] for e in ledger]
    assert [e["dpv:hasConsentStatus"]["@id"] for e in events] == [
        "dpv:ConsentGiven",
        "dpv:ConsentWithdrawn",
        "dpv:ConsentGiven",
    ]
    assert [e["ledger:source"] for e in events] == [e["source"] for e in ledger]
    assert personalization["ledger:entryHash"] == ledger[-1]["hash"]
    assert personalization["dpv:hasConsentStatus"] == {"@id": "dpv:ConsentGiven"}
    assert [e["dpv:hasConsentStatus"]["@id"] for e in promotions["dct:hasPart"]] == [
        "dpv:ConsentRefused"
    ]


def test_the_parties_and_the_notice_come_from_the_configuration(client, reader, person) -> None:
    record = json.loads(records_of(client, reader, person).data)["@graph"][0]
    controller = record["dpv:hasDataController"]
    assert controller["dpv:hasName"] == "«Аю Дүкөн» ЖЧК"
    assert controller["dpv:hasAddress"] == "Чүй проспекти 1, Бишкек"
    assert controller["dpv:hasContact"] == ["privacy@ayu.kg", "https://ayu.kg"]
    assert record["dpv:hasAuthority"]["@id"] == "https://dpa.gov.kg/"
    assert "Personal Data Protection" in record["dpv:hasAuthority"]["dpv:hasName"]
    assert record["dpv:hasNotice"] == [
        {
            "@id": "https://ayu.kg/policy/versions/2026-11-01",
            "@type": "dpv:PrivacyNotice",
            "dct:hasVersion": "2026-11-01",
        }
    ]
    assert record["dpv:hasDataSubject"]["dct:identifier"] == person


def test_the_answer_is_json_ld_and_the_record_id_is_stable(client, reader, person) -> None:
    first = records_of(client, reader, person).data
    graph = triples_of(first.decode("utf-8"))
    records = list(graph.subjects(DCT.conformsTo, None))
    assert len(records) == 2
    assert all((r, RDF.type, DPV.ConsentRecord) in graph for r in records)
    assert {str(graph.value(r, DCT.conformsTo)) for r in records} == {PROFILE}
    again = json.loads(records_of(client, reader, person).data)["@graph"]
    assert [r["@id"] for r in again] == [r["@id"] for r in json.loads(first)["@graph"]]


def test_the_records_name_no_address_of_the_person(client, writer, reader) -> None:
    body = consent_body(email="Secret.Person@example.kg", purposes={"personalization": True})
    subject_id = client.post("/v1/consents", json=body, headers=writer).get_json()["subject_id"]
    text = records_of(client, reader, subject_id).data.decode("utf-8")
    assert "secret.person" not in text.lower()


def test_the_person_gets_the_same_records_in_their_export(app, client, reader, person) -> None:
    app.extensions[MAILER_PART] = SimpleNamespace(emails_of=lambda _subject_id: [])
    graph = json.loads(records_of(client, reader, person).data)["@graph"]
    export = client.get(f"/v1/subjects/{person}/export", headers=reader)
    assert export.get_json()["consent_records"] == graph
    zipped = client.get(f"/v1/subjects/{person}/export?format=csv", headers=reader)
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as archive:
        assert json.loads(archive.read("consent-records.jsonld")) == graph


def test_an_erased_person_is_404(client, writer, reader, person) -> None:
    assert client.delete(f"/v1/subjects/{person}", headers=writer).status_code == 204
    response = records_of(client, reader, person)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize("header", [None, "Bearer ck_000000000000_wrong"])
def test_no_key_or_an_unknown_key_is_401(client, person, header) -> None:
    headers = {"Authorization": header} if header else {}
    response = records_of(client, headers, person)
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"


def test_a_key_without_subjects_read_is_403(client, make_key, person) -> None:
    headers = {"Authorization": f"Bearer {make_key('consents:write', 'campaigns:read')}"}
    response = records_of(client, headers, person)
    assert response.status_code == 403
    assert response.content_type == "application/problem+json"
    assert "subjects:read" in response.get_json()["detail"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.one_of(ANY_ID, st.uuids().map(str), st.just(str(uuid.UUID(int=0)))))
def test_hostile_ids_are_404_or_422_never_500(client, reader, raw) -> None:
    response = client.get(f"/v1/subjects/{url_quote(raw)}/consent-record", headers=reader)
    assert response.status_code in (404, 422), (raw, response.status_code)
    assert response.content_type == "application/problem+json"

"""Subject attributes over HTTP (SPEC 10, decision 0047): set by `POST /v1/consents` and
`PATCH /v1/subjects/{id}`, recorded in the ledger, announced to the mailer, refused whole."""

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent_service.adapters.repository import SqlRepository
from consent_service.services import audit
from tests.e2e.test_rectification_api import in_registry, messages_of, patch, sign_up
from tests.factories import consent_body, unique_email

__all__ = ["in_registry", "sign_up"]
SECRET = "test-secret"


def attributes_of(client, writer, subject_id: str) -> dict:
    return client.get(f"/v1/subjects/{subject_id}", headers=writer).get_json()["attributes"]


def test_attributes_given_at_sign_up_are_stored_announced_and_recorded(
    app, client, writer, sign_up, in_registry
) -> None:
    given_map = {"plan": "pro", "seats": 12, "ratio": 0.5, "trial": False, "born": "1990-02-28"}
    subject = sign_up(attributes=given_map)
    assert subject["attributes"] == given_map
    assert attributes_of(client, writer, subject["subject_id"]) == given_map
    message = messages_of(app, subject["subject_id"])[-1]
    assert (message["schema"], message["attributes"], message["changed"]) == (
        "subject.updated/1",
        given_map,
        ["attributes"],
    )
    history = client.get(f"/v1/subjects/{subject['subject_id']}/history", headers=writer)
    assert history.get_json()["entries"][-1]["kind"] == "subject"
    assert in_registry(lambda r: audit.verify(r, [SECRET])).ok


def test_a_sign_up_without_attributes_has_none_and_no_extra_entry(client, writer, sign_up):
    subject = sign_up()
    assert subject["attributes"] == {}
    history = client.get(f"/v1/subjects/{subject['subject_id']}/history", headers=writer)
    assert "subject" not in {entry["kind"] for entry in history.get_json()["entries"]}


def test_a_known_subject_signing_up_again_merges_its_attributes(client, writer, sign_up):
    subject = sign_up(attributes={"plan": "free", "seats": 1})
    body = consent_body(subject["email"], {"personalization": True})
    body["subject"]["attributes"] = {"plan": "pro"}
    again = client.post("/v1/consents", json=body, headers=writer)
    assert again.status_code == 200
    assert again.get_json()["attributes"] == {"plan": "pro", "seats": 1}


def test_patch_replaces_given_keys_removes_nulls_and_keeps_the_rest(
    app, client, writer, sign_up, in_registry
) -> None:
    subject = sign_up(attributes={"plan": "free", "seats": 1, "city": "Bishkek"})
    response = patch(
        client, writer, subject["subject_id"], {"attributes": {"plan": "pro", "city": None}}
    )
    assert response.status_code == 200
    assert response.get_json()["attributes"] == {"plan": "pro", "seats": 1}
    message = messages_of(app, subject["subject_id"])[-1]
    assert message["attributes"] == {"plan": "pro", "seats": 1}
    assert in_registry(lambda r: audit.verify(r, [SECRET])).ok
    # The entry names the changed keys, never their values.
    subject_id = uuid.UUID(subject["subject_id"])
    with app.extensions["consent.sessions"]() as session:
        entries = list(SqlRepository(session).history(subject_id))
    evidence = entries[-1].evidence or {}
    assert evidence["changed"] == "attributes"
    assert evidence["attribute_keys"] == "city,plan"
    assert "Bishkek" not in json.dumps(evidence) and "pro" not in evidence.values()


def test_removing_every_key_leaves_an_empty_map(client, writer, sign_up) -> None:
    subject = sign_up(attributes={"plan": "free"})
    response = patch(client, writer, subject["subject_id"], {"attributes": {"plan": None}})
    assert response.get_json()["attributes"] == {}


def test_an_unchanged_map_adds_no_entry(client, writer, sign_up) -> None:
    subject = sign_up(attributes={"plan": "free", "seats": 1})
    before = attributes_of(client, writer, subject["subject_id"])
    response = patch(client, writer, subject["subject_id"], {"attributes": {"plan": "free"}})
    assert response.get_json()["version"] == subject["version"]
    assert attributes_of(client, writer, subject["subject_id"]) == before


def test_a_number_becoming_a_boolean_is_a_change(client, writer, sign_up) -> None:
    subject = sign_up(attributes={"flag": 1})
    response = patch(client, writer, subject["subject_id"], {"attributes": {"flag": True}})
    assert response.get_json()["attributes"] == {"flag": True}


BAD = [
    ({"Plan": "x"}, "Plan"),
    ({"9lives": "x"}, "9lives"),
    ({"a" * 41: "x"}, "a" * 41),
    ({"note": "x" * 201}, "note"),
    ({"deep": {"a": 1}}, "deep"),
    ({"list": [1]}, "list"),
    ({f"k{i}": i for i in range(51)}, None),
]


@pytest.mark.parametrize(("attributes", "key"), BAD)
def test_bad_maps_are_422_naming_the_key_and_change_nothing(
    client, writer, sign_up, table_counts, attributes, key
) -> None:
    subject = sign_up(attributes={"plan": "free"})
    before = table_counts()
    response = patch(client, writer, subject["subject_id"], {"attributes": attributes})
    assert response.status_code == 422
    problem = response.get_json()
    assert "attributes" in problem["errors"]
    if key is not None:
        assert key in json.dumps(problem)
    assert table_counts() == before
    assert attributes_of(client, writer, subject["subject_id"]) == {"plan": "free"}
    body = consent_body(unique_email(), {"personalization": True})
    body["subject"]["attributes"] = attributes
    assert client.post("/v1/consents", json=body, headers=writer).status_code == 422
    assert table_counts() == before


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(client, writer, sign_up, table_counts, raw) -> None:
    subject = sign_up()
    before = table_counts()
    response = client.patch(
        f"/v1/subjects/{subject['subject_id']}",
        data='{"attributes": {"score": ' + raw + "}}",
        headers=writer | {"Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422)
    assert table_counts() == before


def test_a_patch_may_not_grow_the_map_past_fifty(client, writer, sign_up) -> None:
    subject = sign_up(attributes={f"k{i}": i for i in range(50)})
    response = patch(client, writer, subject["subject_id"], {"attributes": {"one_more": 1}})
    assert response.status_code == 422
    swap = {"k0": None, "one_more": 1}
    assert patch(client, writer, subject["subject_id"], {"attributes": swap}).status_code == 200


hostile_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.text(max_size=45), hostile_values, max_size=60))
def test_hostile_attribute_maps_are_taken_or_refused_never_a_500(
    client, writer, sign_up, attributes
) -> None:
    subject = sign_up()
    raw = json.dumps({"attributes": attributes}, allow_nan=True)
    response = client.patch(
        f"/v1/subjects/{subject['subject_id']}",
        data=raw,
        headers=writer | {"Content-Type": "application/json"},
    )
    assert response.status_code in (200, 400, 422), response.get_json()
    stored = attributes_of(client, writer, subject["subject_id"])
    if response.status_code == 200:
        assert stored == {k: v for k, v in attributes.items() if v is not None}
    else:
        assert stored == {}

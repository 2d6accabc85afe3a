"""`POST /v1/sync/versions` and `/v1/sync/subjects`: the mailer's check before each send batch."""

import uuid

import pytest

from plumbing.catch_up import bucket_of


def test_versions_lists_the_held_subjects_at_their_current_version(
    client, reader, sign_up, subject
) -> None:
    first, second = sign_up({"newsletters": True, "promotions": True}), sign_up()
    unknown = str(uuid.uuid4())
    response = client.post(
        "/v1/sync/versions", json={"subject_ids": [first, second, unknown, first]}, headers=reader
    )
    assert response.status_code == 200
    assert response.get_json() == {
        "versions": {first: subject(first)["version"], second: subject(second)["version"]},
        "suppressed": [],
    }


def test_a_change_raises_the_version_the_fence_sees(client, reader, writer, sign_up) -> None:
    subject_id = sign_up({"personalization": True})
    body = {"subject_ids": [subject_id]}
    before = client.post("/v1/sync/versions", json=body, headers=reader).get_json()
    client.put(
        f"/v1/subjects/{subject_id}/consents/personalization",
        json={"status": "withdrawn", "source": "admin"},
        headers=writer,
    )
    after = client.post("/v1/sync/versions", json=body, headers=reader).get_json()
    assert after["versions"][subject_id] == before["versions"][subject_id] + 1


def test_an_erased_subject_is_listed_with_its_tombstones_version(
    client, reader, sign_up, subject, erase
) -> None:
    subject_id = sign_up()
    version = subject(subject_id)["version"]
    erase(subject_id)
    body = {"subject_ids": [subject_id]}
    versions = client.post("/v1/sync/versions", json=body, headers=reader).get_json()
    assert versions == {"versions": {subject_id: version + 1}, "suppressed": []}
    listed = client.post("/v1/sync/subjects", json=body, headers=reader).get_json()
    assert listed == {
        "subjects": [
            {
                "subject_id": subject_id,
                "version": version + 1,
                "erased": True,
                "email": None,
                "locale": None,
                "name": None,
                "suppressed": False,
                "consents": {},
                "attributes": {},
            }
        ]
    }


def test_subjects_are_listed_exactly_as_their_bucket_lists_them(client, reader, sign_up) -> None:
    ids = [sign_up({"newsletters": True, "personalization": True}) for _ in range(3)]
    body = {"subject_ids": [*ids, str(uuid.uuid4())]}
    response = client.post("/v1/sync/subjects", json=body, headers=reader)
    assert response.status_code == 200
    listed = {s["subject_id"]: s for s in response.get_json()["subjects"]}
    assert set(listed) == set(ids)
    for subject_id in ids:
        bucket = client.get(f"/v1/sync/buckets/{bucket_of(subject_id)}", headers=reader)
        [in_bucket] = [s for s in bucket.get_json()["subjects"] if s["subject_id"] == subject_id]
        assert listed[subject_id] == in_bucket


def test_a_thousand_ids_are_one_request(client, reader, sign_up) -> None:
    held = sign_up()
    ids = [held, *(str(uuid.uuid4()) for _ in range(999))]
    for path in ("/v1/sync/versions", "/v1/sync/subjects"):
        response = client.post(path, json={"subject_ids": ids}, headers=reader)
        assert response.status_code == 200


@pytest.mark.parametrize("path", ["/v1/sync/versions", "/v1/sync/subjects"])
def test_the_fence_needs_a_key_with_sync_read(client, make_key, path: str) -> None:
    body = {"subject_ids": [str(uuid.uuid4())]}
    assert client.post(path, json=body).status_code == 401
    wrong = {"Authorization": "Bearer ck_unknown_key"}
    assert client.post(path, json=body, headers=wrong).status_code == 401
    writer_only = {"Authorization": f"Bearer {make_key('consents:write')}"}
    refused = client.post(path, json=body, headers=writer_only)
    assert refused.status_code == 403
    assert refused.content_type == "application/problem+json"


def test_with_a_purpose_the_versions_name_each_subjects_last_change_of_it(
    client, reader, writer, sign_up
) -> None:
    subject_id = sign_up({"personalization": True, "promotions": False})
    other = sign_up({"promotions": False})
    body = {"subject_ids": [subject_id, other], "purpose": "personalization"}
    before = client.post("/v1/sync/versions", json=body, headers=reader).get_json()
    client.put(
        f"/v1/subjects/{subject_id}/consents/surveys",
        json={"status": "withdrawn", "source": "admin"},
        headers=writer,
    )
    after = client.post("/v1/sync/versions", json=body, headers=reader).get_json()
    assert set(before["purposes"]) == {subject_id}, "only subjects holding the purpose"
    assert after["versions"][subject_id] > before["versions"][subject_id]
    assert after["purposes"] == before["purposes"], "another purpose changed, not this one"


@pytest.mark.parametrize("path", ["/v1/sync/versions", "/v1/sync/subjects"])
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"subject_ids": []},
        {"subject_ids": [str(uuid.uuid4()) for _ in range(1001)]},
        {"subject_ids": ["not-a-uuid"]},
        {"subject_ids": [7]},
        {"subject_ids": str(uuid.uuid4())},
        {"subject_ids": [str(uuid.uuid4())], "bucket": "ab"},
        [str(uuid.uuid4())],
    ],
    ids=[
        "missing",
        "empty",
        "too-many",
        "not-uuid",
        "number",
        "not-list",
        "unknown-field",
        "array",
    ],
)
def test_an_invalid_body_is_a_422_problem_and_changes_nothing(
    client, reader, sign_up, table_counts, path: str, body
) -> None:
    sign_up()
    before = table_counts()
    response = client.post(path, json=body, headers=reader)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert response.get_json()["errors"]
    assert table_counts() == before


def test_an_unknown_purpose_is_a_422_problem(client, reader) -> None:
    body = {"subject_ids": [str(uuid.uuid4())], "purpose": "telepathy"}
    response = client.post("/v1/sync/versions", json=body, headers=reader)
    assert response.status_code == 422
    assert "purpose" in response.get_json()["errors"]


@pytest.mark.parametrize("path", ["/v1/sync/versions", "/v1/sync/subjects"])
def test_a_body_that_is_not_json_is_refused(client, reader, path: str) -> None:
    assert (
        client.post(path, data="{", headers=reader, content_type="application/json").status_code
        == 400
    )
    assert client.post(path, data="x", headers=reader, content_type="text/plain").status_code == 415

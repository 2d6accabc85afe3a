"""The catch-up feed: per-bucket digests and the subjects of one bucket, for `sync:read` only."""

import uuid

import pytest

from plumbing.catch_up import BUCKETS, SubjectState, bucket_digests, bucket_of
from tests.factories import consent_body


@pytest.fixture
def syncer(make_key) -> dict[str, str]:
    """Headers of the mailer's key: `sync:read`."""
    return {"Authorization": f"Bearer {make_key('sync:read', name='mailer')}"}


def test_digest_covers_every_bucket_and_matches_the_subjects_it_lists(
    client, writer, syncer
) -> None:
    body = consent_body(purposes={"newsletters": True, "personalization": True})
    subject_id = client.post("/v1/consents", json=body, headers=writer).get_json()["subject_id"]
    digest = client.get("/v1/sync/digest", headers=syncer).get_json()["buckets"]
    assert set(digest) == set(BUCKETS)
    bucket = client.get(f"/v1/sync/buckets/{bucket_of(subject_id)}", headers=syncer).get_json()
    [listed] = bucket["subjects"]
    assert listed["subject_id"] == subject_id
    assert listed["email"] == body["subject"]["email"]
    assert listed["consents"] == {
        "newsletters": {"status": "pending", "version": 1},
        "personalization": {"status": "granted", "version": 2},
    }
    state = SubjectState(
        subject_id,
        listed["version"],
        consents={p: (c["status"], c["version"]) for p, c in listed["consents"].items()},
    )
    assert bucket_digests([state])[bucket_of(subject_id)] == digest[bucket_of(subject_id)]


def test_a_change_alters_only_its_own_buckets_digest(client, writer, syncer) -> None:
    answer = client.post(
        "/v1/consents", json=consent_body(purposes={"personalization": True}), headers=writer
    ).get_json()
    before = client.get("/v1/sync/digest", headers=syncer).get_json()["buckets"]
    client.put(
        f"/v1/subjects/{answer['subject_id']}/consents/personalization",
        json={"status": "withdrawn", "source": "admin"},
        headers=writer,
    )
    after = client.get("/v1/sync/digest", headers=syncer).get_json()["buckets"]
    changed = {b for b in BUCKETS if before[b] != after[b]}
    assert changed == {bucket_of(answer["subject_id"])}


def test_the_feed_answers_404_for_a_bucket_that_does_not_exist(client, syncer) -> None:
    assert client.get("/v1/sync/buckets/zz", headers=syncer).status_code == 404


def sync_routes(app) -> list[tuple[str, str]]:
    """Every /v1/sync route in the URL map, as a method and a path that reaches it."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/v1/sync/"):
            path = rule.rule.replace("<name>", BUCKETS[0])
            assert "<" not in path, f"give {rule.rule} a sample value"
            routes += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def test_every_sync_route_refuses_a_key_that_may_only_read_subjects(app, client, make_key) -> None:
    """`subjects:read` finds one person by id or address; listing everyone needs `sync:read`."""
    routes = sync_routes(app)
    assert len(routes) == 4
    for scopes in (("subjects:read",), ("consents:write", "subjects:read", "subjects:write")):
        headers = {"Authorization": f"Bearer {make_key(*scopes)}"}
        for method, path in routes:
            body = {"subject_ids": [str(uuid.uuid4())]} if method == "POST" else None
            refused = client.open(path, method=method, json=body, headers=headers)
            assert refused.status_code == 403, (scopes, method, path)
            assert refused.content_type == "application/problem+json"
            assert "sync:read" in refused.get_json()["detail"]


def test_every_sync_route_answers_a_sync_read_key(app, client, syncer) -> None:
    for method, path in sync_routes(app):
        body = {"subject_ids": [str(uuid.uuid4())]} if method == "POST" else None
        assert client.open(path, method=method, json=body, headers=syncer).status_code == 200


def test_a_listing_carries_the_attributes_and_none_once_erased(client, writer, syncer) -> None:
    body = consent_body(purposes={"personalization": True})
    body["subject"]["attributes"] = {"plan": "pro", "seats": 3}
    subject_id = client.post("/v1/consents", json=body, headers=writer).get_json()["subject_id"]
    listing = client.post("/v1/sync/subjects", json={"subject_ids": [subject_id]}, headers=syncer)
    [listed] = listing.get_json()["subjects"]
    assert listed["attributes"] == {"plan": "pro", "seats": 3}
    assert client.delete(f"/v1/subjects/{subject_id}", headers=writer).status_code == 204
    bucket = client.get(f"/v1/sync/buckets/{bucket_of(subject_id)}", headers=syncer).get_json()
    [erased] = [s for s in bucket["subjects"] if s["subject_id"] == subject_id]
    assert (erased["erased"], erased["attributes"]) == (True, {})

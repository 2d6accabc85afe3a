"""The catch-up feed: per-bucket digests and the subjects of one bucket."""

from schemas.messages.sync import BUCKETS, SubjectState, bucket_digests, bucket_of
from tests.factories import consent_body


def test_digest_covers_every_bucket_and_matches_the_subjects_it_lists(client, writer) -> None:
    body = consent_body(purposes={"newsletters": True, "personalization": True})
    subject_id = client.post("/v1/consents", json=body, headers=writer).get_json()["subject_id"]
    digest = client.get("/v1/sync/digest", headers=writer).get_json()["buckets"]
    assert set(digest) == set(BUCKETS)
    bucket = client.get(f"/v1/sync/buckets/{bucket_of(subject_id)}", headers=writer).get_json()
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


def test_a_change_alters_only_its_own_buckets_digest(client, writer) -> None:
    answer = client.post(
        "/v1/consents", json=consent_body(purposes={"personalization": True}), headers=writer
    ).get_json()
    before = client.get("/v1/sync/digest", headers=writer).get_json()["buckets"]
    client.put(
        f"/v1/subjects/{answer['subject_id']}/consents/personalization",
        json={"status": "withdrawn", "source": "admin"},
        headers=writer,
    )
    after = client.get("/v1/sync/digest", headers=writer).get_json()["buckets"]
    changed = {b for b in BUCKETS if before[b] != after[b]}
    assert changed == {bucket_of(answer["subject_id"])}


def test_sync_feed_needs_subjects_read_and_a_real_bucket(client, make_key, writer) -> None:
    other = {"Authorization": f"Bearer {make_key('consents:write')}"}
    assert client.get("/v1/sync/digest", headers=other).status_code == 403
    assert client.get("/v1/sync/buckets/zz", headers=writer).status_code == 404

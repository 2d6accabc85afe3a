"""API keys: listed by prefix, revoked through the API or the CLI, refused at the next request.

The registry caches verified keys per process; these tests prove the cache never keeps a
revoked key alive, in one process and across two real server processes on one database.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from consent_service.adapters import orm
from tests.factories import consent_body, unique_email


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def key_id_of(key: str) -> str:
    return key.split("_")[1]


def revoke_in_the_database(app, key: str) -> None:
    """Revoke behind the process's back, as another process or an operator would."""
    with app.extensions["consent.sessions"]() as session, session.begin():
        session.execute(
            update(orm.ApiKey)
            .where(orm.ApiKey.id == key_id_of(key))
            .values(revoked_at=datetime.now(UTC))
        )


@pytest.fixture
def admin(make_key) -> dict[str, str]:
    return bearer(make_key("admin", name="admin"))


def test_the_listing_shows_each_key_by_prefix_and_never_its_secret(client, make_key, admin):
    key = make_key("consents:write", "subjects:read", name="shop")
    listed = client.get("/v1/keys", headers=admin)
    assert listed.status_code == 200
    [shop] = [k for k in listed.get_json()["keys"] if k["name"] == "shop"]
    assert shop["id"] == key_id_of(key)
    assert key.startswith(shop["prefix"])
    assert len(shop["prefix"]) < len(key) - 40  # the 256-bit secret stays hidden
    assert shop["scopes"] == ["consents:write", "subjects:read"]
    assert shop["revoked_at"] is None
    assert datetime.fromisoformat(shop["created_at"]) > datetime.now(UTC) - timedelta(minutes=1)
    assert set(shop) == {"id", "name", "scopes", "prefix", "created_at", "revoked_at"}
    assert key.split("_", 2)[2] not in listed.get_data(as_text=True)


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_only_an_admin_key_may_list_or_revoke_keys(client, make_key, method) -> None:
    key = make_key("consents:write", "subjects:read", "subjects:write", "sync:read")
    path = "/v1/keys" if method == "GET" else f"/v1/keys/{key_id_of(key)}"
    assert client.open(path, method=method).status_code == 401
    assert client.open(path, method=method, headers=bearer(key)).status_code == 403
    assert client.post("/v1/consents", json=consent_body(), headers=bearer(key)).status_code == 201


def test_a_key_revoked_through_the_api_is_refused_at_once(client, make_key, admin) -> None:
    key = make_key("consents:write", "subjects:read")
    assert client.get("/v1/purposes", headers=bearer(key)).status_code == 200
    revoked = client.delete(f"/v1/keys/{key_id_of(key)}", headers=admin)
    assert revoked.status_code == 204
    assert revoked.get_data() == b""
    refused = client.get("/v1/purposes", headers=bearer(key))
    assert refused.status_code == 401
    assert refused.content_type == "application/problem+json"
    [listed] = [
        k
        for k in client.get("/v1/keys", headers=admin).get_json()["keys"]
        if k["id"] == key_id_of(key)
    ]
    assert listed["revoked_at"] is not None
    again = client.delete(f"/v1/keys/{key_id_of(key)}", headers=admin)
    assert again.status_code == 204
    [still] = [
        k
        for k in client.get("/v1/keys", headers=admin).get_json()["keys"]
        if k["id"] == key_id_of(key)
    ]
    assert still["revoked_at"] == listed["revoked_at"]


@pytest.mark.parametrize("key_id", ["000000000000", "nope", "%00", "ck_abc"])
def test_revoking_an_unknown_key_is_404_and_changes_nothing(
    client, admin, table_counts, key_id
) -> None:
    before = table_counts()
    answer = client.delete(f"/v1/keys/{key_id}", headers=admin)
    assert answer.status_code == 404
    assert answer.content_type == "application/problem+json"
    assert table_counts() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/subjects?email=nobody@example.kg", None),  # a view with a transaction
        ("GET", "/v1/purposes", None),  # a view that opens no transaction
        ("POST", "/v1/consents", "consent"),  # a write: must create nothing
        ("POST", "/v1/consents", {"subject": {}}),  # refused before any transaction (422)
        ("GET", "/v1/campaigns", None),  # a scope the key lacks (403)
    ],
)
def test_a_key_revoked_behind_the_process_is_refused_at_its_next_request(
    app, client, make_key, table_counts, method, path, body
) -> None:
    key = make_key("consents:write", "subjects:read")
    warm = client.get("/v1/subjects?email=nobody@example.kg", headers=bearer(key))
    assert warm.status_code == 404  # verified, and now in this process's cache
    revoke_in_the_database(app, key)
    before = table_counts()
    payload = consent_body(email=unique_email()) if body == "consent" else body
    refused = client.open(path, method=method, json=payload, headers=bearer(key))
    assert refused.status_code == 401, refused.get_json()
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert table_counts() == before

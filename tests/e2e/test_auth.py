"""API keys: 401 without or with an unknown key, 403 without the scope."""

import pytest

from tests.factories import consent_body


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer ck_000000000000_wrong", "Bearer garbage"],
)
def test_missing_or_unknown_key_is_401(client, header, table_counts) -> None:
    before = table_counts()
    headers = {"Authorization": header} if header else {}
    response = client.post("/v1/consents", json=consent_body(), headers=headers)
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert table_counts() == before


def test_a_real_key_with_a_forged_secret_is_401(client, make_key) -> None:
    key = make_key("consents:write")
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    response = client.post(
        "/v1/consents", json=consent_body(), headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("post", "/v1/consents", "consents:write"),
        ("get", "/v1/subjects?email=a@b.kg", "subjects:read"),
        ("post", "/v1/policies", "admin"),
    ],
)
def test_key_without_the_scope_is_403(client, make_key, table_counts, method, path, scope) -> None:
    key = make_key("campaigns:read")
    before = table_counts()
    response = getattr(client, method)(path, json={}, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 403
    assert scope in response.get_json()["detail"]
    assert table_counts() == before


def test_purposes_need_any_valid_key(client, make_key) -> None:
    assert client.get("/v1/purposes").status_code == 401
    key = make_key("campaigns:read")
    answer = client.get("/v1/purposes", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200


def test_keys_store_only_a_hash(app, make_key, registry_session) -> None:
    key = make_key("consents:write")
    from sqlalchemy import select

    from consent_service.adapters import orm

    row = registry_session().session.scalars(select(orm.ApiKey)).one()
    assert key.split("_", 2)[2] not in (row.secret_hash, row.id, row.name)

"""Purposes, policies and health (the OpenAPI document: test_openapi.py)."""

from datetime import UTC, datetime, timedelta

from tests.factories import consent_body


def test_purposes_list_the_catalogue_with_titles_basis_and_double_opt_in(client, writer) -> None:
    purposes = {
        p["id"]: p for p in client.get("/v1/purposes", headers=writer).get_json()["purposes"]
    }
    assert purposes["newsletters"]["legal_basis"] == "consent"
    assert purposes["newsletters"]["channel"] == "email"
    assert purposes["newsletters"]["double_opt_in"] is True
    assert purposes["personalization"]["double_opt_in"] is False
    assert purposes["transactions"]["legal_basis"] == "contract"
    assert purposes["customer_service"]["legal_basis"] == "legitimate_interest"
    assert set(purposes["surveys"]["title"]) == {"ky", "ru", "en"}


def test_the_shops_kyrgyz_policy_is_the_first_version_with_translations(client) -> None:
    current = client.get("/v1/policies/current").get_json()
    assert current["version"] == "2026-11-01"
    assert current["effective_at"].startswith("2026-11-01T00:00:00")
    assert current["documents"]["ky"].startswith("Биз кандай жеке маалыматтарды чогултабыз?")
    assert set(current["documents"]) == {"ky", "ru", "en"}


def test_admin_publishes_a_new_version_that_becomes_current_when_effective(
    client, make_key
) -> None:
    admin = {"Authorization": f"Bearer {make_key('admin')}"}
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    body = {"version": "2026-12-01", "effective_at": past, "documents": {"ky": "Жаңы", "en": "New"}}
    created = client.post("/v1/policies", json=body, headers=admin)
    assert created.status_code == 201
    assert client.get("/v1/policies/current").get_json()["version"] == "2026-12-01"
    versions = [p["version"] for p in client.get("/v1/policies").get_json()["policies"]]
    assert versions == ["2026-11-01", "2026-12-01"]


def test_a_future_policy_is_not_current_and_cannot_be_consented_to_yet(
    client, make_key, writer
) -> None:
    admin = {"Authorization": f"Bearer {make_key('admin')}"}
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    body = {"version": "2027-01-01", "effective_at": future, "documents": {"ky": "Кийин"}}
    assert client.post("/v1/policies", json=body, headers=admin).status_code == 201
    assert client.get("/v1/policies/current").get_json()["version"] == "2026-11-01"
    refused = client.post(
        "/v1/consents", json=consent_body(policy_version="2027-01-01"), headers=writer
    )
    assert refused.status_code == 422


def test_policy_versions_are_never_edited(client, make_key, table_counts) -> None:
    admin = {"Authorization": f"Bearer {make_key('admin')}"}
    body = {
        "version": "2026-11-01",
        "effective_at": "2026-11-01T00:00:00+00:00",
        "documents": {"ky": "x"},
    }
    before = table_counts()
    response = client.post("/v1/policies", json=body, headers=admin)
    assert response.status_code == 409
    assert table_counts() == before


def test_policy_without_default_locale_or_naive_time_is_422(client, make_key, table_counts) -> None:
    admin = {"Authorization": f"Bearer {make_key('admin')}"}
    before = table_counts()
    no_ky = {"version": "v2", "effective_at": "2026-11-01T00:00:00+00:00", "documents": {"en": "x"}}
    naive = {"version": "v3", "effective_at": "2026-11-01T00:00:00", "documents": {"ky": "x"}}
    assert client.post("/v1/policies", json=no_ky, headers=admin).status_code == 422
    assert client.post("/v1/policies", json=naive, headers=admin).status_code == 422
    assert table_counts() == before


def test_health_and_readiness(client) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"]["database"] == "ok"

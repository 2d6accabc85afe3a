"""`/v1/forms`: admins define sign-up forms; bad definitions are refused and change nothing."""

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from tests.factories import form_definition


@pytest.fixture
def admin(make_key: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key('admin', name='admin')}"}


def test_an_admin_creates_a_form_and_reads_it_back(client: FlaskClient, admin) -> None:
    body = form_definition(
        "spring-news",
        allowed_origins=["https://Shop.example.kg:443", "http://127.0.0.1:3000"],
        success_url="https://shop.example.kg/thanks",
    )
    created = client.post("/v1/forms", json=body, headers=admin)
    assert created.status_code == 201
    assert created.headers["Location"] == "/v1/forms/spring-news"
    form = created.get_json()
    assert form["allowed_origins"] == ["https://shop.example.kg", "http://127.0.0.1:3000"]
    assert form["url"] == "http://127.0.0.1:8000/f/spring-news"
    assert form["embed_url"] == "http://127.0.0.1:8000/f/spring-news/embed"
    assert client.get("/v1/forms/spring-news", headers=admin).get_json() == form
    assert client.get("/v1/forms", headers=admin).get_json() == {"forms": [form]}


def test_the_default_locale_defaults_to_the_service_s(client: FlaskClient, admin) -> None:
    body = form_definition()
    del body["default_locale"], body["allowed_origins"], body["success_url"]
    form = client.post("/v1/forms", json=body, headers=admin).get_json()
    assert (form["default_locale"], form["allowed_origins"], form["success_url"]) == (
        "ky",
        [],
        None,
    )


def test_a_taken_form_id_is_409_and_keeps_the_first(client: FlaskClient, admin) -> None:
    assert client.post("/v1/forms", json=form_definition(), headers=admin).status_code == 201
    again = client.post(
        "/v1/forms", json=form_definition(purposes=["surveys"], source="survey"), headers=admin
    )
    assert again.status_code == 409
    assert again.content_type == "application/problem+json"
    assert client.get("/v1/forms/newsletter", headers=admin).get_json()["source"] == (
        "newsletter_form"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purposes": ["transactions"]}, "purposes"),
        ({"purposes": []}, "purposes"),
        ({"purposes": ["newsletters", "newsletters"]}, "purposes"),
        ({"source": "import"}, "source"),
        ({"allowed_origins": ["https://shop.example.kg/signup"]}, "allowed_origins"),
        ({"allowed_origins": ["shop.example.kg"]}, "allowed_origins"),
        ({"success_url": "javascript:alert(1)"}, "success_url"),
        ({"default_locale": "de"}, "default_locale"),
        ({"form_id": "Spring News"}, "form_id"),
        ({"form_id": "x" * 51}, "form_id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_definition_is_422_naming_the_field(
    client: FlaskClient, admin, table_counts, changes, field
) -> None:
    before = table_counts()
    response = client.post("/v1/forms", json=form_definition(**changes), headers=admin)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert field in response.get_json()["errors"]
    assert table_counts() == before


def test_an_unknown_form_is_404(client: FlaskClient, admin) -> None:
    response = client.get("/v1/forms/nothing", headers=admin)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize(
    ("method", "path"), [("post", "/v1/forms"), ("get", "/v1/forms"), ("get", "/v1/forms/x")]
)
def test_forms_need_a_key_with_the_admin_scope(
    client: FlaskClient, make_key, table_counts, method, path
) -> None:
    writer = {"Authorization": f"Bearer {make_key('consents:write', 'subjects:write')}"}
    before = table_counts()
    call = getattr(client, method)
    assert call(path, json=form_definition()).status_code == 401
    assert call(path, json=form_definition(), headers=writer).status_code == 403
    assert table_counts() == before

"""Sign-up forms reached from other sites: the embed snippet, CORS and JSON, CSRF, rate limit."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consent_service.adapters.repository import SqlRepository
from consent_service.app import create_app
from consent_service.config import Settings
from consent_service.services import api_keys
from tests.factories import unique_email
from tests.web.conftest import SHOP, hidden_fields, sign_up_on_page

FOREIGN = "https://evil.example.com"


@pytest.fixture
def visitor(app: Flask) -> FlaskClient:
    """A browser on the shop's site: it has never seen our pages, so it has no cookie of ours."""
    return app.test_client(use_cookies=False)


@pytest.fixture
def pending(client: FlaskClient, writer: dict[str, str]) -> Callable[[str], dict[str, str] | None]:
    def read(email: str) -> dict[str, str] | None:
        response = client.get("/v1/subjects", query_string={"email": email}, headers=writer)
        if response.status_code == 404:
            return None
        return {p: c["status"] for p, c in response.get_json()["consents"].items()}

    return read


def embedded_post(visitor: FlaskClient, path: str, email: str, **headers: str):
    return visitor.post(
        path, data={"email": email, "locale": "ru", "newsletters": "yes"}, headers=headers
    )


def test_the_embed_page_shows_a_plain_form_posting_to_us(client, make_form) -> None:
    page = client.get(f"{make_form()}/embed?lang=en")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<pre" in html
    assert "&lt;form method=&#34;post&#34; action=&#34;http://127.0.0.1:8000/f/newsletter&#34;" in (
        html
    )
    assert "&lt;script" not in html
    assert "name=&#34;website&#34;" in html and "tabindex=&#34;-1&#34;" in html
    assert "http://127.0.0.1:8000/policy" in html


def test_an_embedded_form_from_an_allowed_origin_needs_no_cookie(
    visitor, make_form, pending
) -> None:
    path, email = make_form(), unique_email()
    assert embedded_post(visitor, path, email, Origin=SHOP).status_code == 200
    assert pending(email) == {"newsletters": "pending"}


def test_without_an_origin_the_referer_of_an_allowed_page_will_do(
    visitor, make_form, pending
) -> None:
    path, email = make_form(), unique_email()
    answer = embedded_post(visitor, path, email, Referer=f"{SHOP}/news?from=footer")
    assert answer.status_code == 200
    assert pending(email) == {"newsletters": "pending"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": FOREIGN}, {"Origin": "null"}, {"Referer": f"{FOREIGN}/{SHOP}"}],
    ids=["no origin", "foreign origin", "null origin", "foreign referer"],
)
def test_a_post_from_anywhere_else_needs_our_csrf_field(
    visitor, make_form, pending, table_counts, headers
) -> None:
    path, email = make_form(), unique_email()
    before = table_counts()
    answer = embedded_post(visitor, path, email, **headers)
    assert answer.status_code == 403 and answer.mimetype == "text/html"
    assert pending(email) is None
    assert table_counts() == before


def test_the_hosted_page_posts_with_its_csrf_field_and_no_origin(client, make_form) -> None:
    path = make_form()
    assert sign_up_on_page(client, path, unique_email(), ["newsletters"]).status_code == 200
    page = client.get(path).get_data(as_text=True)
    forged = hidden_fields(page) | {"csrf_token": "0" * 64, "email": unique_email()}
    assert client.post(path, data=forged | {"newsletters": "yes"}).status_code == 403


def test_a_preflight_from_an_allowed_origin_is_answered(client, make_form) -> None:
    answer = client.options(
        make_form(),
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == SHOP
    assert answer.headers["Access-Control-Allow-Methods"] == "POST"
    assert answer.headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert "Origin" in answer.headers["Vary"]


@pytest.mark.parametrize("origin", [FOREIGN, "https://shop.example.kg.evil.example", None])
def test_a_preflight_from_another_origin_is_refused_without_cors_headers(
    client, make_form, origin
) -> None:
    headers = {"Access-Control-Request-Method": "POST"} | ({"Origin": origin} if origin else {})
    answer = client.options(make_form(), headers=headers)
    assert answer.status_code == 403
    assert answer.content_type == "application/problem+json"
    assert not [k for k, _ in answer.headers.items() if k.startswith("Access-Control-")]


def test_json_from_an_allowed_origin_is_accepted_with_cors(visitor, make_form, pending) -> None:
    email = unique_email()
    answer = visitor.post(
        make_form(),
        json={"email": email, "purposes": ["promotions"], "locale": "en"},
        headers={"Origin": SHOP},
    )
    assert answer.status_code == 202
    assert answer.get_json() == {"status": "accepted"}
    assert answer.headers["Access-Control-Allow-Origin"] == SHOP
    assert pending(email) == {"promotions": "pending"}


def test_json_answers_do_not_tell_known_addresses_from_new_ones(
    visitor, make_form, writer, client
) -> None:
    path, known = make_form(), unique_email()
    body = {"subject": {"email": known}, "purposes": {"promotions": True}, "source": "order"}
    client.post("/v1/consents", json=body, headers=writer)
    answers = [
        visitor.post(
            path, json={"email": email, "purposes": ["promotions"]}, headers={"Origin": SHOP}
        )
        for email in (known, unique_email())
    ]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].get_data() == answers[1].get_data()


def test_json_with_a_filled_honeypot_is_accepted_and_changes_nothing(
    visitor, make_form, table_counts
) -> None:
    path = make_form()
    before = table_counts()
    body = {"email": unique_email(), "purposes": ["newsletters"], "website": "spam"}
    assert visitor.post(path, json=body, headers={"Origin": SHOP}).status_code == 202
    assert table_counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "nope", "purposes": ["newsletters"]}, "email"),
        ({"email": "a@example.kg", "purposes": ["surveys"]}, "purposes"),
        ({"email": "a@example.kg", "purposes": []}, "purposes"),
        (
            {"email": "a@example.kg", "purposes": ["newsletters"], "newsletters": False},
            "newsletters",
        ),
    ],
)
def test_bad_json_is_a_422_problem_naming_the_field(
    visitor, make_form, table_counts, body, field
) -> None:
    path = make_form()
    before = table_counts()
    answer = visitor.post(path, json=body, headers={"Origin": SHOP})
    assert answer.status_code == 422
    assert answer.content_type == "application/problem+json"
    assert field in answer.get_json()["errors"]
    assert answer.headers["Access-Control-Allow-Origin"] == SHOP  # the script may read why
    assert table_counts() == before


def test_json_from_a_foreign_origin_is_a_403_problem(visitor, make_form, table_counts) -> None:
    path = make_form()
    before = table_counts()
    for headers in ({"Origin": FOREIGN}, {}):
        answer = visitor.post(
            path, json={"email": unique_email(), "purposes": ["newsletters"]}, headers=headers
        )
        assert answer.status_code == 403
        assert answer.content_type == "application/problem+json"
        assert "Access-Control-Allow-Origin" not in answer.headers
    assert table_counts() == before


def test_beyond_the_rate_limit_submissions_get_429(environ, admin_key_for) -> None:
    app = create_app(Settings.from_env({**environ, "PUBLIC_RATE_LIMIT": "3/minute"}))
    try:
        admin = admin_key_for(app)
        form = {
            "form_id": "news",
            "purposes": ["newsletters"],
            "source": "newsletter_form",
            "allowed_origins": [SHOP],
        }
        client = app.test_client()
        assert client.post("/v1/forms", json=form, headers=admin).status_code == 201
        answers = [
            client.post(
                "/f/news",
                data={"email": unique_email(), "newsletters": "yes"},
                headers={"Origin": SHOP},
            ).status_code
            for _ in range(4)
        ]
        assert answers == [200, 200, 200, 429]
        json_answer = client.post(
            "/f/news",
            json={"email": unique_email(), "purposes": ["newsletters"]},
            headers={"Origin": SHOP},
        )
        assert json_answer.status_code == 429
        assert json_answer.content_type == "application/problem+json"
        assert int(json_answer.headers["Retry-After"]) > 0
    finally:
        app.extensions["consent.engine"].dispose()


@pytest.fixture
def admin_key_for() -> Callable[[Flask], dict[str, str]]:
    def create(app: Flask) -> dict[str, str]:
        with app.extensions["consent.sessions"]() as session, session.begin():
            key = api_keys.create_key(SqlRepository(session), "admin", ["admin"], datetime.now(UTC))
        return {"Authorization": f"Bearer {key}"}

    return create

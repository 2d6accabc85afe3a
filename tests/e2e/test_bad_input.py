"""Every bad input gets a 4xx problem document and leaves the database as it was."""

import json

import pytest

from tests.factories import consent_body

SUBJECT = {"email": "aigul@example.kg", "locale": "ky"}


def _json(body) -> dict:
    return {"data": json.dumps(body), "content_type": "application/json"}


BAD_CONSENT_POSTS = {
    "malformed JSON": (
        400,
        "malformed-json",
        {"data": '{"subject": ', "content_type": "application/json"},
    ),
    "wrong content type": (
        415,
        "unsupported-media-type",
        {"data": "email=a@b.kg", "content_type": "application/x-www-form-urlencoded"},
    ),
    "JSON array instead of object": (422, "invalid-body", _json([1, 2])),
    "unknown top-level field": (
        422,
        "invalid-body",
        _json(consent_body(card_number="4111111111111111")),
    ),
    "unknown subject field": (
        422,
        "invalid-body",
        _json({**consent_body(), "subject": {**SUBJECT, "pan": "4111111111111111"}}),
    ),
    "card number in a known field": (
        422,
        "invalid-body",
        _json({**consent_body(), "subject": {**SUBJECT, "external_id": "4111 1111 1111 1111"}}),
    ),
    "unknown purpose": (422, "invalid-body", _json(consent_body(purposes={"marketing": True}))),
    "non-consent purpose": (
        422,
        "invalid-body",
        _json(consent_body(purposes={"transactions": True})),
    ),
    "no purpose at all": (422, "invalid-body", _json(consent_body(purposes={}))),
    "purpose value not a boolean": (
        422,
        "invalid-body",
        _json(consent_body(purposes={"newsletters": "yes"})),
    ),
    "invalid email": (422, "invalid-body", _json(consent_body(email="not-an-address"))),
    "over-long email": (422, "invalid-body", _json(consent_body(email="a" * 250 + "@example.kg"))),
    "missing subject": (
        422,
        "invalid-body",
        _json({"purposes": {"newsletters": True}, "source": "order"}),
    ),
    "invalid locale": (
        422,
        "invalid-body",
        _json({**consent_body(), "subject": {**SUBJECT, "locale": "de"}}),
    ),
    "unknown source": (422, "invalid-body", _json(consent_body(source="telepathy"))),
    "unknown policy version": (
        422,
        "invalid-body",
        _json(consent_body(policy_version="1999-01-01")),
    ),
    "invalid evidence ip": (422, "invalid-body", _json(consent_body(evidence={"ip": "300.1.1.1"}))),
    "body over the size limit": (
        413,
        None,
        _json(consent_body(evidence={"user_agent": "x" * 70_000})),
    ),
}


@pytest.mark.parametrize("case", list(BAD_CONSENT_POSTS), ids=list(BAD_CONSENT_POSTS))
def test_bad_consent_post_is_a_problem_and_changes_nothing(
    case, client, writer, table_counts
) -> None:
    status, slug, request = BAD_CONSENT_POSTS[case]
    before = table_counts()
    response = client.post("/v1/consents", headers=writer, **request)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    if slug:
        assert problem["type"].endswith(slug)
    if status == 422:
        assert problem["errors"]
    assert table_counts() == before


def test_invalid_body_names_each_field_with_its_messages(client, writer) -> None:
    body = {"subject": {"email": "x"}, "purposes": {"foo": True}, "source": "nope", "extra": 1}
    problem = client.post("/v1/consents", json=body, headers=writer).get_json()
    assert set(problem["errors"]) == {"subject", "purposes", "source", "extra"}
    assert "email" in problem["errors"]["subject"]
    assert "foo" in problem["errors"]["purposes"]


@pytest.fixture
def subject_id(client, writer) -> str:
    body = consent_body(purposes={"personalization": True})
    return client.post("/v1/consents", json=body, headers=writer).get_json()["subject_id"]


BAD_PUTS = {
    "unknown subject": (
        "00000000-0000-0000-0000-000000000000",
        "personalization",
        {"status": "withdrawn", "source": "admin"},
        404,
    ),
    "subject id not a uuid": (
        "not-a-uuid",
        "personalization",
        {"status": "withdrawn", "source": "admin"},
        404,
    ),
    "unknown purpose": (None, "marketing", {"status": "withdrawn", "source": "admin"}, 422),
    "non-consent purpose": (None, "transactions", {"status": "withdrawn", "source": "admin"}, 422),
    "status pending": (None, "personalization", {"status": "pending", "source": "admin"}, 422),
    "unknown source": (None, "personalization", {"status": "withdrawn", "source": "x"}, 422),
    "unknown field": (
        None,
        "personalization",
        {"status": "withdrawn", "source": "admin", "why": 1},
        422,
    ),
    "unknown policy version": (
        None,
        "personalization",
        {"status": "withdrawn", "source": "admin", "policy_version": "v9"},
        422,
    ),
}


@pytest.mark.parametrize("case", list(BAD_PUTS), ids=list(BAD_PUTS))
def test_bad_consent_put_is_a_problem_and_changes_nothing(
    case, client, writer, subject_id, table_counts
) -> None:
    target, purpose, body, status = BAD_PUTS[case]
    before = table_counts()
    response = client.put(
        f"/v1/subjects/{target or subject_id}/consents/{purpose}", json=body, headers=writer
    )
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert table_counts() == before


@pytest.mark.parametrize(
    "path", ["/v1/subjects/00000000-0000-0000-0000-000000000000", "/v1/subjects/nope/history"]
)
def test_unknown_subject_reads_are_404_problems(client, writer, path) -> None:
    response = client.get(path, headers=writer)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_unknown_route_and_wrong_method_are_problems(client) -> None:
    assert client.get("/v1/nothing").content_type == "application/problem+json"
    wrong = client.delete("/v1/purposes")
    assert wrong.status_code == 405
    assert wrong.content_type == "application/problem+json"

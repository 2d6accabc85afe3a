"""Every bad input gets a 4xx problem document and leaves the database as it was."""

import json
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.campaigns.factories import campaign_body
from tests.factories import consent_body, form_definition
from tests.hostile_input import Pairs, encode, json_values, unstorable_text

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


# Text the database cannot store, bodies with a key twice, instants at the calendar's ends,
# odd query names on public pages: each of these answered 500 once.

ALL_SCOPES = {"consents:write", "subjects:read", "subjects:write", "campaigns:write", "admin"}
ONCE_EACH = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def everyone(make_key) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key(*ALL_SCOPES)}"}


def _policy(version: str = "2027-01-01", text: str = "Текст") -> dict:
    return {
        "version": version,
        "effective_at": "2027-01-01T00:00:00+06:00",
        "documents": {"ky": text},
    }


UNSTORABLE_TEXT_FIELDS = {
    "subject name": (
        "POST",
        "/v1/consents",
        lambda t: {**consent_body(), "subject": {**SUBJECT, "name": t}},
        ("subject", "name"),
    ),
    "external id": (
        "POST",
        "/v1/consents",
        lambda t: {**consent_body(), "subject": {**SUBJECT, "external_id": t}},
        ("subject", "external_id"),
    ),
    "policy version of a consent": (
        "POST",
        "/v1/consents",
        lambda t: consent_body(policy_version=t),
        ("policy_version",),
    ),
    "policy version": ("POST", "/v1/policies", lambda t: _policy(version=t), ("version",)),
    "policy text": ("POST", "/v1/policies", lambda t: _policy(text=t), ("documents", "ky")),
    "campaign name": ("POST", "/v1/campaigns", lambda t: campaign_body(name=t), ("name",)),
    "transfer recipient": (
        "POST",
        "/v1/subjects/{subject_id}/transfers",
        lambda t: {"recipient": t},
        ("recipient",),
    ),
    "rectified name": ("PATCH", "/v1/subjects/{subject_id}", lambda t: {"name": t}, ("name",)),
    "sign-up form origin": (
        "POST",
        "/v1/forms",
        lambda t: form_definition(allowed_origins=["https://shop.example.kg", t]),
        ("allowed_origins", "1"),
    ),
}


@pytest.mark.parametrize("case", list(UNSTORABLE_TEXT_FIELDS), ids=list(UNSTORABLE_TEXT_FIELDS))
@ONCE_EACH
@given(text=unstorable_text())
def test_text_the_database_cannot_store_is_422_naming_the_field_and_changes_nothing(
    case, text, client, everyone, subject_id, table_counts
) -> None:
    method, path, body, field = UNSTORABLE_TEXT_FIELDS[case]
    before = table_counts()
    response = client.open(
        path.format(subject_id=subject_id),
        method=method,
        data=encode(body(text)),
        content_type="application/json",
        headers=everyone,
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    errors = response.get_json()["errors"]
    for key in field:
        errors = errors[key]
    assert errors
    assert table_counts() == before


@st.composite
def _with_a_key_twice(draw: st.DrawFn, body: dict) -> tuple[Pairs, tuple[str, ...]]:
    """The body with one of its keys, at any depth, given a second time with another value;
    and the path of that key."""
    document = Pairs(body.items())
    objects = [((), document)]
    pending = [((), document)]
    while pending:  # every object in the body, with its path
        path, pairs = pending.pop()
        for index, (key, value) in enumerate(pairs):
            if isinstance(value, dict):
                pairs[index] = (key, Pairs(value.items()))
                objects.append(((*path, key), pairs[index][1]))
                pending.append(objects[-1])
    path, pairs = draw(st.sampled_from(objects))
    key, _ = draw(st.sampled_from(pairs))
    pairs.insert(draw(st.integers(0, len(pairs))), (key, draw(json_values)))
    return document, (*path, key)


def _names_the_duplicate(problem: dict, path: tuple[str, ...]) -> bool:
    errors = problem["errors"]
    for key in path:
        errors = errors[key]
    return problem["type"].endswith("/duplicate-key") and repr(path[-1]) in problem["detail"]


@ONCE_EACH
@given(drawn=_with_a_key_twice(consent_body(evidence={"ip": "10.1.2.3", "user_agent": "x"})))
def test_a_key_given_twice_at_any_depth_is_422_naming_it_and_changes_nothing(
    drawn, client, writer, table_counts
) -> None:
    document, path = drawn
    before = table_counts()
    response = client.post(
        "/v1/consents", data=encode(document), content_type="application/json", headers=writer
    )
    assert response.status_code == 422
    assert _names_the_duplicate(response.get_json(), path)
    assert table_counts() == before


@pytest.fixture
def signup_form(client, everyone) -> str:
    assert client.post("/v1/forms", json=form_definition(), headers=everyone).status_code == 201
    return "/f/newsletter"


@ONCE_EACH
@given(drawn=_with_a_key_twice({"email": "a@example.kg", "purposes": ["newsletters"]}))
def test_a_public_form_submission_with_a_key_twice_is_422_and_changes_nothing(
    drawn, client, signup_form, table_counts
) -> None:
    document, path = drawn
    before = table_counts()
    response = client.post(
        signup_form,
        data=encode(document),
        content_type="application/json",
        headers={"Origin": "https://shop.example.kg"},
    )
    assert response.status_code == 422
    assert _names_the_duplicate(response.get_json(), path)
    assert table_counts() == before


def test_a_second_source_does_not_silently_win(client, writer, table_counts) -> None:
    before = table_counts()
    body = encode(Pairs([*consent_body().items(), ("source", "import")]))
    response = client.post(
        "/v1/consents", data=body, content_type="application/json", headers=writer
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "source": ["Given more than once; name each key once."]
    }
    assert table_counts() == before


EDGES_OF_THE_CALENDAR = st.one_of(
    st.datetimes(min_value=datetime(9000, 1, 1), timezones=st.timezones()),
    st.datetimes(max_value=datetime(1, 1, 3), timezones=st.timezones()),
)


@ONCE_EACH
@given(moment=EDGES_OF_THE_CALENDAR, field=st.sampled_from(["at", "until"]))
def test_a_schedule_at_the_ends_of_the_calendar_is_422_and_changes_nothing(
    moment, field, client, everyone, table_counts
) -> None:
    schedule = {"at": moment.isoformat()}
    if field == "until":
        schedule = {"rrule": "FREQ=DAILY", "timezone": "Asia/Bishkek", "until": moment.isoformat()}
    before = table_counts()
    response = client.post("/v1/campaigns", json=campaign_body(schedule=schedule), headers=everyone)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["schedule"]
    assert table_counts() == before


@ONCE_EACH
@given(moment=EDGES_OF_THE_CALENDAR)
def test_a_policy_effective_at_the_ends_of_the_calendar_is_422_and_changes_nothing(
    moment, client, everyone, table_counts
) -> None:
    before = table_counts()
    body = _policy() | {"effective_at": moment.isoformat()}
    response = client.post("/v1/policies", json=body, headers=everyone)
    assert response.status_code == 422
    assert "effective_at" in response.get_json()["errors"]
    assert table_counts() == before


@ONCE_EACH
@given(
    origins=st.lists(
        st.sampled_from(["", "x", "https://shop.example.kg", "http://127.0.0.1:3000", "ftp://a"]),
        min_size=1,
        max_size=6,
        unique=True,
    ).filter(lambda origins: {"", "x", "ftp://a"} & set(origins))
)
def test_each_wrong_origin_is_named_by_its_index_as_a_string(
    origins, client, everyone, table_counts
) -> None:
    before = table_counts()
    body = form_definition(allowed_origins=origins)
    response = client.post("/v1/forms", json=body, headers=everyone)
    assert response.status_code == 422
    wrong = {str(i) for i, origin in enumerate(origins) if origin in ("", "x", "ftp://a")}
    assert set(response.get_json()["errors"]["allowed_origins"]) == wrong
    assert table_counts() == before


@pytest.mark.parametrize("page", ["/u/{token}/undo", "/confirm/{token}/resend"])
@ONCE_EACH
@given(
    name=st.one_of(st.sampled_from(["token", "endpoint", "_method", "_external"]), st.text()),
    value=st.text(),
)
def test_a_reload_after_a_post_leads_back_to_the_page_whatever_the_query(
    page, name, value, client
) -> None:
    url = page.format(token="abc")
    response = client.get(url, query_string={name: value, "lang": "ru"})
    assert response.status_code == 303
    assert response.headers["Location"] == url.rsplit("/", 1)[0] + "?lang=ru"

"""`/console/keys`: administrators list, create and revoke the API's keys. A new key is shown
whole once, on the answer to the form; a revoked key is refused by the API at its next
request; both are lines in the console audit log; nobody else may open the page."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent_service.services.api_keys import SCOPES
from tests.console.conftest import location, signed_in, text
from tests.console.people import audit_lines

SECRET = re.compile(r'id="new-key-secret">(ck_[0-9a-f]{12}_[^<]+)<')


def created_key(answer) -> str:
    found = SECRET.search(answer.get_data(as_text=True))
    assert found, answer.get_data(as_text=True)
    return found[1]


def test_an_admin_creates_a_key_sees_it_once_and_it_works(app, browser, person) -> None:
    who = person("admin")
    admin = signed_in(browser(), who)

    answer = admin.post("/console/keys", {"name": "Shop CRM", "scope": ["subjects:read"]})

    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    key = created_key(answer)
    key_id = key.split("_")[1]
    listing = admin.get("/console/keys")
    assert f'id="key-{key_id}"' in listing.get_data(as_text=True)
    assert "Shop CRM" in text(listing) and f"ck_{key_id}_" in text(listing)
    assert key not in listing.get_data(as_text=True)
    used = app.test_client().get("/v1/purposes", headers={"Authorization": f"Bearer {key}"})
    assert used.status_code == 200
    [line] = audit_lines(app, "key.created")
    assert line.user_id == who.account.id and line.target == f"key:{key_id}"
    assert line.details == {"name": "Shop CRM", "scopes": ["subjects:read"]}
    assert key.split("_", 2)[2] not in str(line.details)


def test_every_scope_of_the_api_is_offered(browser, person) -> None:
    page = signed_in(browser(), person("admin")).get("/console/keys").get_data(as_text=True)

    for scope in SCOPES:
        assert f'name="scope" value="{scope}"' in page


def test_a_revoked_key_is_refused_at_its_next_request(app, browser, person, make_key) -> None:
    key = make_key("subjects:read", name="old shop")
    key_id = key.split("_")[1]
    headers = {"Authorization": f"Bearer {key}"}
    api = app.test_client()
    assert api.get("/v1/purposes", headers=headers).status_code == 200  # now cached
    admin = signed_in(browser(), person("admin"))

    confirm = admin.get(f"/console/keys/{key_id}/revoke")
    unconfirmed = admin.post(f"/console/keys/{key_id}/revoke")
    assert api.get("/v1/purposes", headers=headers).status_code == 200
    revoked = admin.post(f"/console/keys/{key_id}/revoke", {"confirm": "yes"})

    assert confirm.status_code == 200 and 'name="confirm"' in confirm.get_data(as_text=True)
    assert unconfirmed.status_code == 422 and 'id="problem"' in unconfirmed.get_data(as_text=True)
    assert revoked.status_code == 303
    assert location(revoked) == f"/console/keys?done=revoked#key-{key_id}"
    assert api.get("/v1/purposes", headers=headers).status_code == 401
    listing = admin.get("/console/keys").get_data(as_text=True)
    assert f'id="key-{key_id}" data-revoked="yes"' in listing
    assert f"/console/keys/{key_id}/revoke" not in listing
    [line] = audit_lines(app, "key.revoked")
    assert line.target == f"key:{key_id}" and line.details == {"name": "old shop"}
    again = admin.post(f"/console/keys/{key_id}/revoke", {"confirm": "yes"})
    assert again.status_code == 303 and len(audit_lines(app, "key.revoked")) == 1


def test_an_unknown_key_is_not_found(browser, person) -> None:
    admin = signed_in(browser(), person("admin"))

    assert admin.get("/console/keys/0123456789ab/revoke").status_code == 404
    assert admin.post("/console/keys/nonsense/revoke", {"confirm": "yes"}).status_code == 404


@pytest.mark.parametrize(
    "form",
    [
        {"name": "", "scope": ["admin"]},
        {"name": "x" * 101, "scope": ["admin"]},
        {"name": "bad\x00name", "scope": ["admin"]},
        {"name": "CRM"},
        {"name": "CRM", "scope": ["subjects:read", "everything"]},
    ],
)
def test_a_refused_form_makes_no_key(app, browser, person, form) -> None:
    admin = signed_in(browser(), person("admin"))

    answer = admin.post("/console/keys", form)

    assert answer.status_code == 422 and answer.mimetype == "text/html"
    assert 'id="problem"' in answer.get_data(as_text=True)
    assert 'id="new-key-secret"' not in answer.get_data(as_text=True)
    assert audit_lines(app, "key.created") == []


@pytest.mark.parametrize("role", ["marketing", "sender", "support", "privacy"])
def test_only_administrators_may_open_the_keys(app, browser, person, make_key, role) -> None:
    key_id = make_key("subjects:read").split("_")[1]
    someone = signed_in(browser(), person(role))

    assert someone.get("/console/keys").status_code == 403
    assert someone.post("/console/keys", {"name": "x", "scope": ["admin"]}).status_code == 403
    assert someone.post(f"/console/keys/{key_id}/revoke", {"confirm": "yes"}).status_code == 403
    assert "/console/keys" not in someone.get("/console/").get_data(as_text=True)
    assert audit_lines(app, "key.created") == audit_lines(app, "key.revoked") == []


def test_a_form_without_its_csrf_field_is_refused(app, browser, person) -> None:
    admin = signed_in(browser(), person("admin"))

    answer = admin.client.post("/console/keys", data={"name": "x", "scope": ["admin"]})

    assert answer.status_code == 403
    assert audit_lines(app, "key.created") == []


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=300), scopes=st.lists(st.text(max_size=40), max_size=4))
def test_whatever_is_typed_into_the_key_form_the_answer_is_a_page(
    browser, person, name, scopes
) -> None:
    admin = signed_in(browser(), person("admin"))

    answer = admin.post("/console/keys", {"name": name, "scope": scopes})

    assert answer.status_code in (200, 422)
    assert answer.mimetype == "text/html"

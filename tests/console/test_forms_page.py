"""`/console/forms`: administrators list the sign-up forms, each with its hosted page's address
and its snippet to copy, and create one by the rules of `POST /v1/forms`; a refused form names
each problem beside its field and stores nothing; creating is in the console audit log."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.console.conftest import location, signed_in, text
from tests.console.people import audit_lines

NEW = {
    "form_id": "footer-2027",
    "purposes": ["newsletters", "promotions"],
    "source": "newsletter_form",
    "default_locale": "ky",
    "allowed_origins": "https://shop.example.kg\r\nhttps://www.shop.example.kg:8443",
    "success_url": "https://shop.example.kg/thanks",
}


def form_data(**changed: object) -> dict[str, object]:
    data = NEW | changed
    data["purpose"] = data.pop("purposes")
    return data


def test_an_admin_creates_a_form_and_sees_its_address_and_snippet(app, browser, person):
    who = person("admin")
    admin = signed_in(browser(), who)

    answer = admin.post("/console/forms", form_data())

    assert answer.status_code == 303
    assert location(answer) == "/console/forms?done=created#form-footer-2027"
    page = admin.get("/console/forms")
    body = page.get_data(as_text=True)
    assert 'id="form-footer-2027"' in body
    assert "/f/footer-2027</code>" in body and "/f/footer-2027/embed" in body
    assert 'id="snippet-footer-2027"' in body and "name=&#34;email&#34;" in body
    assert "https://www.shop.example.kg:8443" in text(page)
    api = app.test_client().get("/f/footer-2027")
    assert api.status_code == 200
    [line] = audit_lines(app, "form.created")
    assert line.user_id == who.account.id and line.target == "form:footer-2027"
    assert line.details == {"purposes": ["newsletters", "promotions"], "source": "newsletter_form"}


def test_a_taken_id_is_refused(app, browser, person) -> None:
    admin = signed_in(browser(), person("admin"))
    admin.post("/console/forms", form_data())

    again = admin.post("/console/forms", form_data(purposes=["surveys"]))

    assert again.status_code == 409
    assert 'id="form_id-problem"' in again.get_data(as_text=True)
    assert len(audit_lines(app, "form.created")) == 1


@pytest.mark.parametrize(
    ("changed", "field"),
    [
        ({"form_id": "Has Spaces"}, "form_id"),
        ({"form_id": ""}, "form_id"),
        ({"purposes": []}, "purposes"),
        ({"purposes": ["transactions"]}, "purposes"),
        ({"source": "api"}, "source"),
        ({"default_locale": "de"}, "default_locale"),
        ({"allowed_origins": "https://shop.example.kg/path"}, "allowed_origins"),
        ({"allowed_origins": "https://a.kg\nhttps://a.kg"}, "allowed_origins"),
        ({"success_url": "javascript:alert(1)"}, "success_url"),
        ({"form_id": "bad\x00id"}, "form_id"),
    ],
)
def test_a_refused_form_names_its_field_and_stores_nothing(
    app, browser, person, changed, field
) -> None:
    admin = signed_in(browser(), person("admin"))

    answer = admin.post("/console/forms", form_data(**changed))

    assert answer.status_code == 422 and answer.mimetype == "text/html"
    assert f'id="{field}-problem"' in answer.get_data(as_text=True)
    assert audit_lines(app, "form.created") == []
    assert 'id="no-forms"' in answer.get_data(as_text=True)


@pytest.mark.parametrize("role", ["marketing", "sender", "support", "privacy"])
def test_only_administrators_may_open_the_forms(app, browser, person, role) -> None:
    someone = signed_in(browser(), person(role))

    assert someone.get("/console/forms").status_code == 403
    assert someone.post("/console/forms", form_data()).status_code == 403
    assert "/console/forms" not in someone.get("/console/").get_data(as_text=True)
    assert audit_lines(app, "form.created") == []


def test_a_form_without_its_csrf_field_is_refused(app, browser, person) -> None:
    admin = signed_in(browser(), person("admin"))

    assert admin.client.post("/console/forms", data=form_data()).status_code == 403
    assert audit_lines(app, "form.created") == []


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    form_id=st.text(max_size=80),
    origins=st.text(max_size=400),
    success_url=st.text(max_size=300),
    purposes=st.lists(st.text(max_size=20), max_size=5),
)
def test_whatever_is_typed_into_the_form_the_answer_is_a_page(
    browser, person, form_id, origins, success_url, purposes
) -> None:
    admin = signed_in(browser(), person("admin"))
    data = form_data(
        form_id=form_id, allowed_origins=origins, success_url=success_url, purposes=purposes
    )

    answer = admin.post("/console/forms", data)

    assert answer.status_code in (303, 409, 422)
    assert answer.status_code == 303 or answer.mimetype == "text/html"

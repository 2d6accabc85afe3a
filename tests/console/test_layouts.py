"""`/console/layouts`: the list with the default layout, creating and editing a layout per
language; a refused form is answered 422 with each problem beside its field and stores
nothing; the form needs its CSRF field; only marketing, sender and admin open the pages; each
change is in the console audit log."""

import uuid

import pytest
from sqlalchemy import func, select

from consent_service.adapters import orm
from tests.console.conftest import forms_of, location, signed_in, text

FILLED = {
    "name": "Winter sale",
    "ky-shop_name": "Ала-Тоо дүкөнү",  # noqa: RUF001
    "ky-legal_name": "Ала-Тоо Соода ЖЧК",  # noqa: RUF001
    "ky-postal_address": "Бишкек ш., Чүй пр. 100",
    "ky-logo_url": "https://ala-too.example.kg/logo.png",
    "ky-why": "",
    "en-shop_name": "Ala-Too shop",
    "en-legal_name": "Ala-Too Trade LLC",
    "en-postal_address": "100 Chui Ave, Bishkek",
}


def stored(app) -> list:
    with app.extensions["consent.engine"].connect() as connection:
        return list(connection.execute(select(orm.Layout).order_by(orm.Layout.name)))


def audit_actions(app) -> list[str]:
    with app.extensions["consent.engine"].connect() as connection:
        query = select(orm.ConsoleAuditEntry.action).order_by(orm.ConsoleAuditEntry.id)
        return [action for action in connection.execute(query).scalars() if "layout" in action]


def count(app) -> int:
    with app.extensions["consent.engine"].connect() as connection:
        return connection.execute(select(func.count()).select_from(orm.Layout)).scalar_one()


def test_a_marketer_creates_a_layout_and_finds_it_in_the_list(app, browser, person) -> None:
    marketer = signed_in(browser(), person("marketing"))

    created = marketer.post("/console/layouts", FILLED)

    assert created.status_code == 303
    [layout] = stored(app)
    assert location(created) == f"/console/layouts/{layout.id}?done=created"
    assert set(layout.versions) == {"ky", "en"}
    assert layout.versions["ky"]["legal_name"] == "Ала-Тоо Соода ЖЧК"  # noqa: RUF001
    listing = text(marketer.get("/console/layouts"))
    assert "Winter sale" in listing
    assert "Example Shop LLC (demo)" in listing  # the default layout, from the brand settings
    page = marketer.get(location(created))
    assert page.status_code == 200
    assert 'value="100 Chui Ave, Bishkek"' in page.get_data(as_text=True)
    assert "The layout was created." in text(page)
    assert audit_actions(app) == ["layout.created"]


def test_editing_replaces_the_values_and_an_emptied_language_leaves_the_layout(
    app, browser, person
) -> None:
    marketer = signed_in(browser(), person("sender"))
    marketer.post("/console/layouts", FILLED)
    [layout] = stored(app)
    emptied = {key: "" for key in FILLED if key.startswith("en-")}

    saved = marketer.post(
        f"/console/layouts/{layout.id}",
        {**FILLED, **emptied, "name": "Spring", "ky-why": "Сиз жазылгансыз."},
    )

    assert location(saved) == f"/console/layouts/{layout.id}?done=saved"
    [again] = stored(app)
    assert again.name == "Spring"
    assert set(again.versions) == {"ky"}
    assert again.versions["ky"]["why"] == "Сиз жазылгансыз."
    assert audit_actions(app) == ["layout.created", "layout.changed"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ky-legal_name": " "}, "layout-ky-legal_name"),
        ({"ky-postal_address": ""}, "layout-ky-postal_address"),
        ({"en-legal_name": ""}, "layout-en-legal_name"),
        ({"ky-logo_url": "javascript:alert(1)"}, "layout-ky-logo_url"),
        ({"name": ""}, "layout-name"),
        (
            {"ky-shop_name": "", "ky-legal_name": "", "ky-postal_address": "", "ky-logo_url": ""},
            "group-ky",
        ),
        ({"ky-legal_name": "A\x00B"}, "layout-ky-legal_name"),
    ],
    ids=[
        "no legal name",
        "no postal address",
        "en half filled",
        "bad logo",
        "no name",
        "no ky",
        "NUL",
    ],
)
def test_a_refused_form_names_the_problem_beside_its_field_and_stores_nothing(
    app, browser, person, change, field
) -> None:
    marketer = signed_in(browser(), person("marketing"))

    refused = marketer.post("/console/layouts", {**FILLED, **change})

    assert refused.status_code == 422
    assert refused.content_type.startswith("text/html")
    page = refused.get_data(as_text=True)
    assert "The layout was not saved." in page
    assert f'href="#{field}"' in page
    if field.startswith("layout-"):
        assert f'id="{field}"' in page and 'aria-invalid="true"' in page
    assert 'value="Ala-Too Trade LLC"' in page or change.get("en-legal_name") == ""
    assert count(app) == 0
    assert audit_actions(app) == []


def test_an_invalid_edit_changes_nothing(app, browser, person) -> None:
    marketer = signed_in(browser(), person("marketing"))
    marketer.post("/console/layouts", FILLED)
    [before] = stored(app)

    refused = marketer.post(f"/console/layouts/{before.id}", {**FILLED, "ky-legal_name": ""})

    assert refused.status_code == 422
    assert stored(app) == [before]


def test_a_form_without_its_csrf_field_is_refused_with_a_page(app, browser, person) -> None:
    marketer = signed_in(browser(), person("marketing"))

    forged = marketer.client.post("/console/layouts", data=FILLED)

    assert forged.status_code == 403
    assert forged.content_type.startswith("text/html")
    assert count(app) == 0


@pytest.mark.parametrize("role", ["support", "privacy"])
def test_roles_without_layouts_are_refused(browser, person, role) -> None:
    someone = signed_in(browser(), person(role))

    assert someone.get("/console/layouts").status_code == 403
    assert someone.post("/console/layouts", FILLED).status_code == 403
    assert "/console/layouts" not in someone.get("/console/").get_data(as_text=True)


def test_the_navigation_offers_layouts_to_marketing(browser, person) -> None:
    marketer = signed_in(browser(), person("marketing"))

    assert 'href="/console/layouts"' in marketer.get("/console/").get_data(as_text=True)


def test_an_unknown_layout_is_a_404_page(browser, person) -> None:
    marketer = signed_in(browser(), person("admin"))

    for answer in (
        marketer.get(f"/console/layouts/{uuid.uuid4()}"),
        marketer.post(f"/console/layouts/{uuid.uuid4()}", FILLED),
        marketer.get("/console/layouts/not-a-uuid"),
    ):
        assert answer.status_code == 404
        assert answer.content_type.startswith("text/html")


def test_the_new_layout_form_starts_from_the_brand_settings(browser, person) -> None:
    marketer = signed_in(browser(), person("marketing"))

    page = marketer.get("/console/layouts/new").get_data(as_text=True)

    assert 'value="Example Shop LLC (demo)"' in page
    assert forms_of(page).actions[-1] == "/console/layouts"

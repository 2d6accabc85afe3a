"""`/console/policies`: the versions with their state and who published them, publishing a
new version in Kyrgyz, Russian and English from a moment not in the past (a refused form is
answered 422 with each problem beside its field and publishes nothing), a version's changes
from the one before per language, only for administrators, each publication in the console
audit log; a version the API publishes names its key."""

import re
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from consent_service.services import api_keys
from tests.console.conftest import location, signed_in, text
from tests.hostile_input import typed_in_a_form as typed

SEEDED = "2026-11-01"  # migration 0002; the console's clock is 2026-12-01 09:00 UTC
FORM = {
    "version": "2026-12-10",
    "effective_on": "2026-12-10",
    "effective_time": "10:00",
    "ky": "Биз сиздин дарегиңизди сактайбыз.\nБиз аны сатпайбыз.",
    "ru": "Мы храним ваш адрес.\nМы его не продаём.",  # noqa: RUF001
    "en": "We keep your address.\nWe never sell it.",
}


def stored(app) -> dict[str, orm.Policy]:
    with app.extensions["consent.engine"].connect() as connection:
        rows = connection.execute(select(orm.Policy)).all()
    return {row.version: row for row in rows}


def audit(app) -> list:
    with app.extensions["consent.engine"].connect() as connection:
        query = select(orm.ConsoleAuditEntry).order_by(orm.ConsoleAuditEntry.id)
        return [row for row in connection.execute(query) if row.action.startswith("policy")]


@pytest.fixture
def admin_person(person):
    return person("admin")


@pytest.fixture
def admin(browser, admin_person):
    return signed_in(browser(), admin_person)


def test_the_list_shows_the_seeded_version_in_effect_and_its_publisher_not_recorded(
    admin,
) -> None:
    page = admin.get("/console/policies")

    assert page.status_code == 200
    shown = text(page)
    assert f'href="/console/policies/{SEEDED}"' in shown
    assert "In effect" in shown
    assert "not recorded" in shown
    assert 'href="/console/policies/new"' in shown


def test_an_administrator_publishes_a_version_that_takes_effect_later(
    app, admin, admin_person
) -> None:
    published = admin.post("/console/policies", FORM)

    assert published.status_code == 303
    assert location(published) == "/console/policies/2026-12-10?done=published"
    row = stored(app)["2026-12-10"]
    assert row.published_by == f"console:{admin_person.account.id}"
    assert row.effective_at.astimezone(UTC) == datetime(2026, 12, 10, 4, 0, tzinfo=UTC)
    listing = text(admin.get("/console/policies"))
    assert "Takes effect later" in listing
    assert f"{admin_person.account.shown_name}, in the console" in listing
    assert "The version was published." in text(admin.get(location(published)))
    [line] = audit(app)
    assert (line.action, line.target, line.user_id) == (
        "policy.published",
        "policy:2026-12-10",
        admin_person.account.id,
    )
    assert line.details["locales"] == ["en", "ky", "ru"]


def test_a_version_page_marks_what_changed_from_the_one_before(app, admin) -> None:
    admin.post("/console/policies", FORM)
    changed = FORM | {
        "version": "2027-01-01",
        "effective_on": "2027-01-01",
        "ru": "Мы храним ваш адрес.",
        "en": "We keep your email address.\nWe never sell it.\nAsk us anything.",
    }
    admin.post("/console/policies", changed)

    page = admin.get("/console/policies/2027-01-01").get_data(as_text=True)

    assert '<a href="/console/policies/2026-12-10">2026-12-10</a>' in page
    kyrgyz = page[page.index('id="text-ky"') : page.index('id="text-ru"')]
    russian = page[page.index('id="text-ru"') : page.index('id="text-en"')]
    english = page[page.index('id="text-en"') :]
    assert "Unchanged from version 2026-12-10." in kyrgyz
    assert "<del>Мы его не продаём.</del>" in russian  # noqa: RUF001
    assert "Line removed" in russian
    assert "We keep your <ins>email </ins>address." in english
    assert "<ins>Ask us anything.</ins>" in english
    assert "Line added" in english and "Line changed" in english
    assert "<del>" not in english


def test_the_first_version_is_shown_whole_with_nothing_to_compare(admin) -> None:
    page = text(admin.get(f"/console/policies/{SEEDED}"))

    assert "The first version: there is nothing to compare it with." in page
    assert "<ins>" not in page and "<del>" not in page


def test_an_unknown_version_is_404(admin) -> None:
    assert admin.get("/console/policies/no-such-version").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"ru": ""}, "ru", "Write the Русский text"),
        ({"ky": "   \n "}, "ky", "Write the Кыргызча text"),
        ({"effective_on": "2026-11-30"}, "effective_on", "cannot take effect in the past"),
        ({"effective_time": ""}, "effective_on", "Give the date and the time"),
        ({"version": "a b"}, "version", "Name the version with letters"),
        ({"version": SEEDED}, "version", "This version exists already"),
    ],
)
def test_a_refused_version_is_drawn_again_marked_and_nothing_is_published(
    app, admin, fields, field, message
) -> None:
    refused = admin.post("/console/policies", FORM | fields)

    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert message in page
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page)
    assert "We never sell it." in page  # what was typed comes back
    assert set(stored(app)) == {SEEDED}
    assert audit(app) == []


def test_a_moment_earlier_today_is_in_the_past(app, admin) -> None:
    # 09:00 UTC is 15:00 in Bishkek
    refused = admin.post(
        "/console/policies", FORM | {"effective_on": "2026-12-01", "effective_time": "14:59"}
    )

    assert refused.status_code == 422
    assert set(stored(app)) == {SEEDED}


@pytest.mark.parametrize("role", ["marketing", "sender", "support", "privacy"])
def test_only_administrators_open_or_publish(app, browser, person, role) -> None:
    someone = signed_in(browser(), person(role))

    assert someone.get("/console/policies").status_code == 403
    assert someone.get("/console/policies/new").status_code == 403
    assert someone.post("/console/policies", FORM).status_code == 403
    assert set(stored(app)) == {SEEDED}


def test_publishing_needs_the_csrf_field(app, admin) -> None:
    forged = admin.client.post("/console/policies", data=FORM)

    assert forged.status_code in (400, 403)
    assert set(stored(app)) == {SEEDED}


def test_the_form_starts_from_the_newest_version(admin) -> None:
    admin.post("/console/policies", FORM)

    page = admin.get("/console/policies/new")

    assert page.status_code == 200
    assert '<textarea id="en"' in page.get_data(as_text=True)
    assert "We never sell it.</textarea>" in page.get_data(as_text=True)


def test_a_version_the_api_publishes_names_its_key(app, client_for_api, admin) -> None:
    body = {
        "version": "api-1",
        "effective_at": "2027-02-01T00:00:00+06:00",
        "documents": {"ky": "Саясат", "ru": "Политика", "en": "Policy"},
    }
    answer = client_for_api.post("/v1/policies", json=body)

    assert answer.status_code == 201
    with app.extensions["consent.engine"].connect() as connection:
        key_id = connection.execute(
            select(orm.ApiKey.id).where(orm.ApiKey.name == "shop backend")
        ).scalar_one()
    assert stored(app)["api-1"].published_by == key_id
    assert "API key “shop backend”" in text(admin.get("/console/policies"))


@pytest.fixture
def client_for_api(app):
    with app.extensions["consent.sessions"]() as session, session.begin():
        key = api_keys.create_key(
            SqlRepository(session), "shop backend", ["admin"], datetime.now(UTC)
        )
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    version=st.one_of(st.just("2027-03-01"), typed),
    day=st.one_of(st.just("2027-03-01"), typed),
    moment=st.one_of(st.just("10:00"), typed),
    ky=st.one_of(st.just("Саясат"), typed),
    ru=st.one_of(st.just("Политика"), typed),
    en=typed,
)
def test_hostile_input_is_a_4xx_page_and_publishes_nothing(
    app, admin, version, day, moment, ky, ru, en
) -> None:
    before = set(stored(app))

    answer = admin.post(
        "/console/policies",
        {"version": version, "effective_on": day, "effective_time": moment}
        | {"ky": ky, "ru": ru, "en": en + "\x00"},
    )

    assert answer.status_code == 422
    assert answer.mimetype == "text/html"
    assert set(stored(app)) == before

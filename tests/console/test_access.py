"""Who may open what, checked over every console route the app has, so that a page added later
is covered without anyone remembering to add it here.

- Every form of the console is refused without its CSRF field: an HTML 403, nothing changed.
- Every route but sign-in, single sign-on and the static files needs a session.
- A route that needs a scope answers 403 to every role without it, and opens for every role
  with it.
"""

import re

import pytest
from flask import Flask
from werkzeug.routing import Rule

from consent_service.adapters.repository import SqlRepository
from consent_service.console import page_blueprints
from consent_service.console.access import PUBLIC, access_of
from consent_service.domain.staff.roles import ROLES
from consent_service.services import campaigns
from consent_service.services.campaigns import NewCampaign
from tests.console.conftest import location, signed_in, text

SAMPLE_VALUES = {
    "user_id": "00000000-0000-4000-8000-000000000000",
    "layout_id": "00000000-0000-4000-8000-000000000000",
    "subject_id": "00000000-0000-4000-8000-000000000000",
    "request_id": "00000000-0000-4000-8000-000000000000",
    "job_id": "00000000-0000-4000-8000-000000000000",
    "version": "2026-11-01",
    "key_id": "0123456789ab",
    "anything": "no-such-page",
    "locale": "ky",
}
"""What each path part is filled with; `campaign_id` and `run_id` are a real campaign's and
run's (the autouse `campaign` fixture), so that a page that shows one opens."""


@pytest.fixture(autouse=True)
def campaign(app: Flask, clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """A campaign with a run, whose ids fill the paths."""
    with app.extensions["consent.sessions"]() as session, session.begin():
        store = SqlRepository(session).campaigns
        view = campaigns.create_campaign(
            store,
            NewCampaign(
                "Sample",
                "newsletters",
                {"ky": {"subject": "S", "html": "<p>H</p>", "text": "T"}},
                {"rrule": "FREQ=DAILY;BYHOUR=9", "timezone": "Asia/Bishkek"},
            ),
            may_send=True,
            default_locale="ky",
            now=clock.now,
        )
        run_id = campaigns.start_run(store, view.campaign.id, clock.now)
    ids = {"campaign_id": str(view.campaign.id), "run_id": str(run_id)}
    monkeypatch.setitem(globals(), "SAMPLE_VALUES", SAMPLE_VALUES | ids)


def console_rules(app: Flask) -> list[Rule]:
    names = {blueprint.name for blueprint in page_blueprints()}
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] in names]


def path_of(rule: Rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: SAMPLE_VALUES[m[1]], rule.rule)


def methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def test_the_console_has_pages_and_every_view_declares_its_access(app) -> None:
    rules = console_rules(app)

    assert len(rules) >= 10
    assert all(access_of(app.view_functions[rule.endpoint]) is not None for rule in rules)
    assert all(rule.rule.startswith("/console/") for rule in rules)


def test_every_console_form_is_refused_without_its_csrf_field(
    app, browser, person, table_counts
) -> None:
    visitor = signed_in(browser(), person("admin"))
    before = table_counts()
    posts = [rule for rule in console_rules(app) if "POST" in methods(rule)]
    assert len(posts) >= 8

    for rule in posts:
        for field in ({}, {"csrf_token": "forged"}):
            refused = visitor.client.post(path_of(rule), data=field)
            assert refused.status_code == 403, rule.rule
            assert refused.mimetype == "text/html", rule.rule
            assert "This form has expired" in text(refused), rule.rule
    assert table_counts() == before
    assert visitor.get("/console/").status_code == 200  # and the session is untouched


def test_every_console_route_but_sign_in_needs_a_session(app, browser) -> None:
    visitor = browser()
    guarded = [
        rule
        for rule in console_rules(app)
        if access_of(app.view_functions[rule.endpoint]) is not PUBLIC
    ]
    assert {rule.endpoint for rule in console_rules(app)} - {rule.endpoint for rule in guarded} == {
        "console_sign_in.login",
        "console_sign_in.login_submit",
        "console_oidc.start",
        "console_oidc.callback",
    }

    for rule in guarded:
        for method in methods(rule):
            answer = visitor.client.open(
                path_of(rule), method=method, data={"csrf_token": visitor.csrf}
            )
            assert answer.status_code == 303, f"{method} {rule.rule}"
            assert location(answer).startswith("/console/login"), f"{method} {rule.rule}"


@pytest.mark.parametrize("role", sorted(ROLES))
def test_a_route_that_needs_a_scope_opens_exactly_for_the_roles_that_hold_it(
    app, browser, person, role
) -> None:
    visitor = signed_in(browser(), person(role))
    scoped = [
        rule
        for rule in console_rules(app)
        if "GET" in methods(rule) and access_of(app.view_functions[rule.endpoint]).scope
    ]
    assert scoped

    for rule in scoped:
        scope = access_of(app.view_functions[rule.endpoint]).scope
        answer = visitor.get(path_of(rule))
        if scope in ROLES[role].scopes:
            # A sample id names nothing: the page of a missing thing is a 404, not a refusal.
            opened = {200, 404} if "<" in rule.rule else {200}
            assert answer.status_code in opened, rule.rule
        else:
            assert answer.status_code == 403, rule.rule
            assert "Your roles do not include this page." in text(answer)


def test_a_console_view_that_declares_no_access_stops_the_app(app) -> None:
    from flask import Blueprint

    from consent_service.console.access import check_declared

    forgotten = Blueprint("console_forgotten", __name__)
    forgotten.add_url_rule("/console/forgotten", "page", lambda: "open to all")
    fresh = Flask(__name__)
    fresh.register_blueprint(forgotten)

    with pytest.raises(RuntimeError, match="declares no access"):
        check_declared(fresh, [forgotten])

"""`/console/`: the navigation shows what the person's roles open; the overview shows the
outbox's lag, the broker's state and the next scheduled runs, each also a live fragment."""

import re
import uuid
from datetime import timedelta

from consent_service.adapters import orm
from tests.console.conftest import signed_in, text
from tests.factories import consent_body


def nav_links(page: str) -> list[str]:
    nav = re.search(r'<nav class="console-nav".*?</nav>', page, re.S)
    return re.findall(r'href="([^"]+)"', nav[0]) if nav else []


def test_the_navigation_links_only_what_the_roles_open(browser, person) -> None:
    admin = signed_in(browser(), person("admin")).get("/console/").get_data(as_text=True)
    marketer = signed_in(browser(), person("marketing")).get("/console/").get_data(as_text=True)

    assert nav_links(admin) == [
        "/console/",
        "/console/campaigns",
        "/console/layouts",
        "/console/users",
    ]
    assert nav_links(marketer) == ["/console/", "/console/campaigns", "/console/layouts"]


def test_the_pipeline_block_counts_what_waits_in_the_outbox(app, browser, person, make_key):
    key = make_key("consents:write")
    for _ in range(3):
        answer = app.test_client().post(
            "/v1/consents", json=consent_body(), headers={"Authorization": f"Bearer {key}"}
        )
        assert answer.status_code == 201
    visitor = signed_in(browser(), person("support"))

    page = visitor.get("/console/").get_data(as_text=True)
    part = visitor.get("/console/parts/pipeline")

    waiting = re.search(r'id="outbox-unsent">(\d+)<', page)[1]
    assert int(waiting) >= 3
    assert 'data-refresh="/console/parts/pipeline"' in page
    assert part.headers["X-Console-Fragment"] == "1"
    assert re.search(r'id="outbox-unsent">(\d+)<', part.get_data(as_text=True))[1] == waiting
    assert re.search(r'id="broker-state" class="(good|bad)"', page)


def schedule(app, name: str, next_run_at, status: str = "scheduled") -> None:
    with app.extensions["consent.sessions"]() as session, session.begin():
        session.add(
            orm.Campaign(
                id=uuid.uuid4(),
                name=name,
                purpose="newsletters",
                content={"ky": {"subject": "s", "html": "<p>h</p>", "text": "t"}},
                schedule={"at": next_run_at.isoformat()},
                default_locale="ky",
                status=status,
                next_run_at=next_run_at,
                control_version=0,
                created_at=next_run_at,
                updated_at=next_run_at,
            )
        )


def test_the_next_scheduled_runs_are_listed_soonest_first(app, browser, person, clock) -> None:
    soon = clock.now + timedelta(hours=1)
    schedule(app, "Later news", soon + timedelta(days=2))
    schedule(app, "Monday news", soon)
    schedule(app, "Paused news", soon, status="paused")
    marketer = signed_in(browser(), person("marketing"))

    block = text(marketer.get("/console/parts/next-runs"))

    assert block.index("Monday news") < block.index("Later news")
    assert "Paused news" not in block
    assert "Email newsletter" in block


def test_someone_who_sees_no_campaigns_sees_no_runs(app, browser, person, clock) -> None:
    schedule(app, "Monday news", clock.now + timedelta(hours=1))
    helper = signed_in(browser(), person("support"))

    assert "Monday news" not in text(helper.get("/console/"))
    assert helper.get("/console/parts/next-runs").status_code == 403

# ruff: noqa: RUF001
"""`/console/`: the navigation shows what the person's roles open; the overview shows the
outbox's lag, the broker's state and the next scheduled runs, each also a live fragment."""

import re
import uuid
from datetime import timedelta

import pytest

from consent_service.adapters import orm
from tests.console.conftest import signed_in, text
from tests.factories import consent_body


@pytest.fixture
def app(make_app, clock):
    """Only promotions wait for a confirmed address, so a newsletter sign-up counts at once."""
    return make_app(CONSENT_DOUBLE_OPT_IN="promotions")


def nav_links(page: str) -> list[str]:
    nav = re.search(r'<nav class="console-nav".*?</nav>', page, re.S)
    return re.findall(r'href="([^"]+)"', nav[0]) if nav else []


def test_the_navigation_links_only_what_the_roles_open(browser, person) -> None:
    admin = signed_in(browser(), person("admin")).get("/console/").get_data(as_text=True)
    marketer = signed_in(browser(), person("marketing")).get("/console/").get_data(as_text=True)

    assert nav_links(admin) == [
        "/console/",
        "/console/subjects",
        "/console/campaigns",
        "/console/layouts",
        "/console/requests",
        "/console/reports",
        "/console/audit",
        "/console/suppressions",
        "/console/import",
        "/console/policies",
        "/console/keys",
        "/console/forms",
        "/console/users",
    ]
    assert nav_links(marketer) == ["/console/", "/console/campaigns", "/console/layouts"]
    assert "nav-administration" not in marketer  # no administration group for them
    support = signed_in(browser(), person("support")).get("/console/").get_data(as_text=True)
    assert nav_links(support) == ["/console/", "/console/subjects", "/console/requests"]
    assert 'aria-labelledby="nav-administration"' in admin


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


def record(app, key: str, email: str, purposes: dict[str, bool]) -> None:
    answer = app.test_client().post(
        "/v1/consents",
        json=consent_body(email=email, purposes=purposes),
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code in (200, 201), answer.get_data(as_text=True)


def people_row(page: str, purpose: str) -> dict[str, int]:
    row = re.search(rf'<tr data-purpose="{purpose}">.*?</tr>', page, re.S)[0]
    cells = re.findall(r'data-status="(\w+)">([\d\s\xa0,.]+)<', row)
    return {status: int(re.sub(r"\D", "", number)) for status, number in cells}


def test_people_are_counted_per_purpose_and_status(app, browser, person, make_key) -> None:
    key = make_key("consents:write")
    record(app, key, "aigul@example.kg", {"newsletters": True, "surveys": True})
    record(app, key, "aigul@example.kg", {"promotions": True})
    record(app, key, "bakyt@example.kg", {"newsletters": True})
    record(app, key, "bakyt@example.kg", {"newsletters": False})
    record(app, key, "cholpon@example.kg", {"surveys": False})
    marketer = signed_in(browser(), person("marketing"))

    page = marketer.get("/console/?lang=en").get_data(as_text=True)

    assert people_row(page, "newsletters") == {
        "granted": 1,
        "pending": 0,
        "withdrawn": 1,
        "never_asked": 1,
    }
    assert people_row(page, "surveys") == {
        "granted": 1,
        "pending": 0,
        "withdrawn": 1,
        "never_asked": 1,
    }
    assert people_row(page, "promotions") == {
        "granted": 0,
        "pending": 1,
        "withdrawn": 0,
        "never_asked": 2,
    }


def day_row(page: str, day: str) -> tuple[int, int]:
    row = re.search(rf'<tr data-day="{day}">.*?</tr>', page, re.S)[0]
    grants, withdrawals = re.findall(r'<td class="number">(\d+)</td>', row)
    return int(grants), int(withdrawals)


def bar(page: str, group: str, day: str) -> int | None:
    drawn = re.search(rf'<g class="chart-{group}">.*?</g>', page, re.S)[0]
    found = re.search(rf'data-day="{day}" data-value="(\d+)"', drawn)
    return int(found[1]) if found else None


def test_the_chart_shows_the_sign_ups_and_withdrawals_of_each_day(
    app, browser, person, make_key, clock, monkeypatch
) -> None:
    monkeypatch.setattr("consent_service.api.consents.now", lambda: clock.now)
    key = make_key("consents:write")
    record(app, key, "aigul@example.kg", {"newsletters": True})
    record(app, key, "bakyt@example.kg", {"newsletters": True, "surveys": True})
    clock.advance(days=2)
    record(app, key, "aigul@example.kg", {"newsletters": False})
    record(app, key, "cholpon@example.kg", {"surveys": True})
    clock.advance(hours=12)  # 03:00 in Bishkek: the next day there, the same day in UTC
    record(app, key, "cholpon@example.kg", {"surveys": False})
    viewer = signed_in(browser(), person("support"))

    page = viewer.get("/console/?lang=en").get_data(as_text=True)

    assert day_row(page, "2026-12-01") == (3, 0)
    assert day_row(page, "2026-12-02") == (0, 0)
    assert day_row(page, "2026-12-03") == (1, 1)
    assert day_row(page, "2026-12-04") == (0, 1)
    assert len(re.findall(r'<tr data-day="', page)) == 30
    assert (bar(page, "grants", "2026-12-01"), bar(page, "withdrawals", "2026-12-01")) == (3, None)
    assert (bar(page, "grants", "2026-12-03"), bar(page, "withdrawals", "2026-12-03")) == (1, 1)
    assert "From November 5, 2026 to December 4, 2026: 4 sign-ups and 2 withdrawals." in page


def test_the_overview_speaks_kyrgyz_and_english(app, browser, person):
    viewer = signed_in(browser(), person("support"))

    kyrgyz = text(viewer.get("/console/?lang=ky"))
    english = text(viewer.get("/console/?lang=en"))

    assert "People per purpose" in english and "Sign-ups and withdrawals per day" in english
    assert "Requests waiting for an answer" in english
    assert "Максаттар боюнча адамдар" in kyrgyz
    assert "Күн сайын жазылуулар жана баш тартуулар" in kyrgyz
    assert "Жооп күтүп жаткан суроо-талаптар" in kyrgyz
    assert "People per purpose" not in kyrgyz


def test_open_requests_are_counted_with_the_oldest_first_received(app, browser, person, clock):
    today = clock.now.date()  # 09:00 UTC is 15:00 in Bishkek: the same day
    # (received days ago, due in days, closed): one overdue, two due soon, one on time.
    rows = ((3, -1, False), (1, 0, False), (1, 2, False), (0, 3, False), (5, -4, True))
    with app.extensions["consent.sessions"]() as session, session.begin():
        for days_ago, due_in, completed in rows:
            at = clock.now - timedelta(days=days_ago)
            session.add(
                orm.RightsRequest(
                    id=uuid.uuid4(),
                    subject_id=uuid.uuid4(),
                    kind="erasure",
                    source="preference_center",
                    status="closed" if completed else "open",
                    requested_at=at,
                    completed_at=at if completed else None,
                    due_on=today + timedelta(days=due_in),
                )
            )
    viewer = signed_in(browser(), person("privacy"))

    page = text(viewer.get("/console/?lang=en"))

    assert re.search(r'id="requests-open">4<', page)
    assert re.search(r'id="requests-overdue">1<', page)
    assert re.search(r'id="requests-due-soon">2<', page)
    assert "Nov 28, 2026" in page

"""The marketing desk over HTTP: the list, the form with its refusals next to their fields, the
campaign's page (schedule in words, the missing-language warning, previews), the actions and
who may take them, and the run page with its counts."""

# ruff: noqa: RUF001  (Kyrgyz and Russian words are written in Cyrillic)

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text as sql

from consent_service.adapters.repository import SqlRepository
from consent_service.domain.campaigns import RunCounts, RunState, RunStatus
from consent_service.services import layouts as layout_service
from tests.console.conftest import location, signed_in, text
from tests.factories import consent_body

HTML = '<html><body><p style="color:#123456">Саламатсызбы, {{ name }}!</p></body></html>'


def form(**changes: str) -> dict[str, str]:
    base = {
        "name": "Жаңы жыл",
        "purpose": "newsletters",
        "schedule": "recurring",
        "frequency": "WEEKLY",
        "weekday": "MO",
        "time": "09:00",
        "timezone": "Asia/Bishkek",
        "content-ky-subject": "Жаңы жылыңыз менен!",
        "content-ky-html": HTML,
        "content-ky-text": "Саламатсызбы, {{ name }}!",
        "content-ru-subject": "С Новым годом!",
        "content-ru-html": "<p>Здравствуйте, {{ name }}!</p>",
        "content-ru-text": "Здравствуйте, {{ name }}!",
    }
    return base | changes


def create(visitor, **changes: str) -> str:
    answer = visitor.post("/console/campaigns/new", form(**changes))
    assert answer.status_code == 303, text(answer)
    return location(answer).split("?")[0]


@pytest.fixture
def sender(browser, person):
    return signed_in(browser(), person("sender"))


def test_a_campaign_is_created_from_the_form_and_shown_with_its_schedule_in_words(
    sender,
) -> None:
    page_url = create(sender)

    page = sender.get(page_url + "?done=created")
    assert page.status_code == 200
    shown = text(page)
    assert "The campaign was created." in shown
    assert "every Monday at 09:00, Asia/Bishkek" in shown
    assert shown.count("<li>Monday, ") == 5
    assert "/preview/ky" in shown and "/preview/ru" in shown and "/preview/en" not in shown
    listed = text(sender.get("/console/campaigns"))
    assert "Жаңы жыл" in listed and "No run yet" in listed


def test_the_campaign_page_speaks_kyrgyz_with_the_schedule_in_kyrgyz(sender) -> None:
    page_url = create(sender)

    shown = text(sender.get(page_url + "?lang=ky"))

    assert "ар дүйшөмбү саат 09:00, Asia/Bishkek" in shown


def test_the_form_shows_each_refusal_next_to_its_field_and_creates_nothing(
    sender, table_counts
) -> None:
    before = table_counts()

    answer = sender.post(
        "/console/campaigns/new",
        form(
            name=" ",
            **{"content-ky-html": "<p>{{ nme }}</p>", "content-ru-text": ""},
        ),
    )

    assert answer.status_code == 422
    shown = text(answer)
    assert 'id="name-error"' in shown and "Give the campaign a name." in shown
    assert 'id="content-ru-text-error"' in shown
    assert "Fill in the subject, HTML and text of this language, or none of them." in shown
    assert table_counts() == before


def test_a_template_error_is_shown_next_to_its_template(sender, table_counts) -> None:
    before = table_counts()

    answer = sender.post("/console/campaigns/new", form(**{"content-ky-html": "<p>{{ nme }}</p>"}))

    assert answer.status_code == 422
    shown = text(answer)
    assert 'id="content-ky-html-error"' in shown and "undefined variable(s) nme" in shown
    assert 'aria-describedby="content-ky-html-error"' in shown
    assert "&lt;p&gt;{{ nme }}&lt;/p&gt;</textarea>" in shown  # what was typed is kept
    assert table_counts() == before


def test_a_schedule_error_is_shown_next_to_its_field(sender) -> None:
    answer = sender.post("/console/campaigns/new", form(schedule="once", at="2020-01-01T09:00"))

    assert answer.status_code == 422
    assert 'id="at-error"' in text(answer) and "in the past" in text(answer)


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    """Without double opt-in, a sign-up grants at once."""
    return environ | {"CONSENT_DOUBLE_OPT_IN": ""}


def test_a_campaign_lacking_a_language_its_recipients_speak_warns_of_it(
    sender, app, writer
) -> None:
    body = consent_body(purposes={"newsletters": True})
    body["subject"]["locale"] = "en"
    assert app.test_client().post("/v1/consents", json=body, headers=writer).status_code == 201
    page_url = create(sender)

    shown = text(sender.get(page_url))

    assert "1 recipient(s) speak English, which this campaign has no version in" in shown
    assert "they will get the Kyrgyz version" in shown


def test_the_preview_is_the_rendered_email_under_its_own_sandbox_policy(sender) -> None:
    page_url = create(sender)

    html = sender.get(page_url + "/preview/ky")
    plain = sender.get(page_url + "/preview/ru?part=text")

    assert html.status_code == 200 and html.mimetype == "text/html"
    assert "Саламатсызбы, Aigul Osmonova!" in html.get_data(as_text=True)
    assert 'style="color:#123456"' in html.get_data(as_text=True)
    policy = html.headers["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "script-src" not in policy
    assert "frame-ancestors 'self'" in policy and html.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert plain.mimetype == "text/plain"
    assert plain.get_data(as_text=True).startswith(
        "Example Shop (demo)\n\nЗдравствуйте, Aigul Osmonova!\n\n"
    )
    assert sender.get(page_url + "/preview/de").status_code == 404


def test_a_language_the_campaign_lacks_previews_as_its_default_version(sender) -> None:
    page_url = create(sender)

    shown = sender.get(page_url + "/preview/en").get_data(as_text=True)

    assert "Саламатсызбы" in shown


def test_the_console_page_frames_the_previews_in_a_sandbox(sender) -> None:
    page = sender.get(create(sender))
    shown = page.get_data(as_text=True)

    assert shown.count("<iframe sandbox src=") == 4
    assert "allow-scripts" not in shown
    assert "frame-src 'self'" in page.headers["Content-Security-Policy"]


def test_a_sender_runs_pauses_resumes_and_cancels(sender, app) -> None:
    page_url = create(sender)

    for action, words in [
        ("run", "A run was started"),
        ("pause", "The campaign is paused"),
        ("resume", "The campaign was resumed"),
        ("cancel", "The campaign was cancelled"),
    ]:
        answer = sender.post(f"{page_url}/{action}")
        assert answer.status_code == 303, action
        assert words in text(sender.get(location(answer))), action
    shown = text(sender.get(page_url))
    assert "Cancelled" in shown
    assert f'action="{page_url}/pause"' not in shown and f'action="{page_url}/run"' not in shown


def test_a_move_the_status_does_not_allow_changes_nothing_and_says_so(sender) -> None:
    page_url = create(sender)
    sender.post(f"{page_url}/cancel")

    answer = sender.post(f"{page_url}/pause")

    assert answer.status_code == 303
    assert "does not allow that any more" in text(sender.get(location(answer)))


def test_marketing_cannot_start_or_resume_runs_but_may_pause_and_cancel(
    browser, person, sender, table_counts
) -> None:
    page_url = create(sender)
    marketing = signed_in(browser(), person("marketing"))

    shown = text(marketing.get(page_url))
    assert f'action="{page_url}/run"' not in shown
    assert f'action="{page_url}/pause"' in shown
    before = table_counts()
    refused = marketing.post(f"{page_url}/run")
    assert refused.status_code == 403 and refused.mimetype == "text/html"
    assert "Your roles do not include this page." in text(refused)
    assert table_counts() == before
    assert marketing.post(f"{page_url}/pause").status_code == 303
    assert marketing.post(f"{page_url}/resume").status_code == 403


def test_support_sees_no_campaign(browser, person, sender) -> None:
    page_url = create(sender)
    support = signed_in(browser(), person("support"))

    assert support.get("/console/campaigns").status_code == 403
    assert support.get(page_url).status_code == 403
    assert "/console/campaigns" not in text(support.get("/console/"))


def test_the_run_page_shows_the_counts_the_mailer_reported(sender, app) -> None:
    page_url = create(sender)
    run_url = location(sender.post(f"{page_url}/run"))
    campaign_id = uuid.UUID(page_url.rsplit("/", 1)[1])
    run_id = _report(app, campaign_id, sent=30, recipients=120)

    page = sender.get(f"{page_url}/runs/{run_id}")
    part = sender.get(f"{page_url}/runs/{run_id}/part")

    assert "done=run_now" in run_url
    assert page.status_code == 200
    shown = text(page)
    assert 'id="count-sent">30<' in shown and 'id="count-recipients">120<' in shown
    assert "Sending" in shown and "data-refresh=" in shown
    assert part.headers["X-Console-Fragment"] == "1" and 'id="count-sent">30<' in text(part)
    assert "30 sent of 120" in text(sender.get("/console/campaigns"))
    assert sender.get(f"{page_url}/runs/{uuid.uuid4()}").status_code == 404


def test_the_run_page_shows_the_counts_per_language_with_small_ones_as_fewer_than_five(
    sender, app
) -> None:
    page_url = create(sender)
    sender.post(f"{page_url}/run")
    campaign_id = uuid.UUID(page_url.rsplit("/", 1)[1])
    run_url = f"{page_url}/runs/{_report(app, campaign_id, sent=30, recipients=120)}"
    before = text(sender.get(run_url))  # the mailer reported no counts per locale yet
    assert 'id="run-locales"' not in before and 'id="run-locales-none"' in before

    by_locale = {
        "ru": RunCounts(recipients=1_005, sent=27, failed=3),
        "ky": RunCounts(recipients=115, sent=4),
    }
    run_id = _report(app, campaign_id, sent=31, recipients=1_120, by_locale=by_locale)
    page, part = (sender.get(f"{page_url}/runs/{run_id}{end}") for end in ("", "/part"))

    for shown in (text(page), text(part)):
        assert 'id="run-locales"' in shown
        # The console's order of languages (ky, ru, en), each in its own name.
        assert shown.index(">Кыргызча</th>") < shown.index(">Русский</th>")
        assert ">English</th>" not in shown
        assert 'id="locale-ky-recipients">115<' in shown
        assert 'id="locale-ru-recipients">1,005<' in shown
        assert 'id="locale-ru-sent">27<' in shown
        for small in ("locale-ky-sent", "locale-ru-failed", "locale-ky-unknown"):
            assert f'id="{small}"><abbr title="fewer than 5">&lt; 5</abbr><' in shown
        assert 'id="count-failed">0<' in shown  # the totals are exact (here as reported)
    assert "data-refresh=" in text(page)  # the table lives inside the refreshing part


def _report(
    app,
    campaign_id: uuid.UUID,
    *,
    sent: int,
    recipients: int,
    by_locale: dict[str, RunCounts] | None = None,
) -> uuid.UUID:
    """The mailer's report of the campaign's run: running, with counts so far."""
    with app.extensions["consent.sessions"]() as session, session.begin():
        store = SqlRepository(session).campaigns
        run = store.runs_of([campaign_id])[campaign_id][0]
        store.save_run_state(
            run.id,
            RunState(
                RunStatus.RUNNING,
                RunCounts(recipients=recipients, sent=sent),
                1,
                datetime(2026, 12, 1, 9, 1, tzinfo=UTC),
                None,
                None,
                by_locale,
            ),
        )
        return run.id


def test_an_unknown_campaign_is_a_404_page(sender) -> None:
    missing = f"/console/campaigns/{uuid.uuid4()}"

    for answer in (sender.get(missing), sender.post(f"{missing}/pause")):
        assert answer.status_code == 404 and answer.mimetype == "text/html"


def test_every_change_to_a_campaign_is_in_the_console_audit_log(sender, app) -> None:
    page_url = create(sender)
    for action in ("run", "pause", "resume", "cancel"):
        assert sender.post(f"{page_url}/{action}").status_code == 303
    sender.post(f"{page_url}/pause")  # refused: cancelled; nothing to record
    campaign_id = page_url.rsplit("/", 1)[1]

    with app.extensions["consent.engine"].connect() as connection:
        rows = connection.execute(
            sql("SELECT action, user_id FROM console_audit WHERE target = :target ORDER BY id"),
            {"target": f"campaign:{campaign_id}"},
        ).all()

    assert [row.action for row in rows] == [
        "campaign.created",
        "campaign.run_started",
        "campaign.paused",
        "campaign.resumed",
        "campaign.cancelled",
    ]
    assert len({str(row.user_id) for row in rows}) == 1


def test_the_campaign_is_sent_inside_the_layout_chosen_in_the_form(sender, app, clock) -> None:
    with app.extensions["consent.sessions"]() as session, session.begin():
        chosen = layout_service.create_layout(
            SqlRepository(session).layouts,
            "Кышкы макет",
            {
                "ky": {
                    "shop_name": "Ала-Тоо",
                    "legal_name": "Ала-Тоо ЖЧК",
                    "postal_address": "Бишкек",
                }
            },
            default_locale="ky",
            now=clock.now,
        )
    assert "Кышкы макет" in text(sender.get("/console/campaigns/new"))

    page_url = create(sender, layout=str(chosen.id))

    assert "Кышкы макет" in text(sender.get(page_url))
    unknown = sender.post("/console/campaigns/new", form(layout=str(uuid.uuid4())))
    assert unknown.status_code == 422 and 'id="layout-error"' in text(unknown)
    forged = sender.post("/console/campaigns/new", form(layout="not-an-id"))
    assert forged.status_code == 422 and 'id="layout-error"' in text(forged)


def _rows(app, query: str, **values: object) -> list:
    with app.extensions["consent.engine"].connect() as connection:
        return list(connection.execute(sql(query), values).all())


RU_FIELDS = ("content-ru-subject", "content-ru-html", "content-ru-text")


def _audited(app, campaign_id: str) -> list:
    query = "SELECT action FROM console_audit WHERE target = :t ORDER BY id"
    return _rows(app, query, t=f"campaign:{campaign_id}")


def test_an_edit_is_saved_and_shown_on_the_campaign_page(sender, app) -> None:
    page_url = create(sender)

    shown = text(sender.get(f"{page_url}/edit"))
    assert 'value="Жаңы жыл"' in shown and "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0" in shown
    assert "Саламатсызбы" in shown and 'id="draft-note"' not in shown

    answer = sender.post(
        f"{page_url}/edit",
        form(name="Кышкы сатуу", frequency="DAILY", **dict.fromkeys(RU_FIELDS, "")),
    )

    assert answer.status_code == 303
    page = text(sender.get(location(answer)))
    assert "The changes were saved." in page and "Кышкы сатуу" in page
    assert "every day at 09:00, Asia/Bishkek" in page
    assert "/preview/ru" not in page and "Scheduled" in page
    audit = _audited(app, page_url.rsplit("/", 1)[1])
    assert [row.action for row in audit] == ["campaign.created", "campaign.edited"]


def test_an_invalid_edit_is_shown_next_to_its_field_and_changes_nothing(
    sender, table_counts
) -> None:
    page_url = create(sender)
    before = table_counts()

    answer = sender.post(
        f"{page_url}/edit", form(name="Башка", **{"content-ky-html": "<p>{{ nme }}</p>"})
    )

    assert answer.status_code == 422
    shown = text(answer)
    assert 'id="content-ky-html-error"' in shown and "Nothing was saved" in shown
    assert table_counts() == before
    assert "Башка" not in text(sender.get(page_url))


def test_an_edit_of_a_campaign_that_has_ended_is_refused_with_a_sentence(sender) -> None:
    page_url = create(sender)
    sender.post(f"{page_url}/cancel")

    assert 'id="action-edit"' not in text(sender.get(page_url))
    answer = sender.post(f"{page_url}/edit", form(name="Башка"))

    assert answer.status_code == 409 and answer.mimetype == "text/html"
    assert "cannot be edited now" in text(answer)
    assert "Башка" not in text(sender.get(page_url))


def test_a_marketers_edit_makes_the_campaign_a_draft_awaiting_a_sender(
    browser, person, sender
) -> None:
    page_url = create(sender)
    marketing = signed_in(browser(), person("marketing"))

    assert 'id="draft-note"' in text(marketing.get(f"{page_url}/edit"))
    answer = marketing.post(f"{page_url}/edit", form(name="Жазгы сатуу"))

    assert answer.status_code == 303
    shown = text(marketing.get(page_url))
    assert "Draft" in shown and "draft awaiting a sender" in shown and "Жазгы сатуу" in shown


def test_a_test_send_to_oneself_is_queued_for_the_mailer(browser, person, app) -> None:
    me = person("sender")
    sender = signed_in(browser(), me)
    page_url = create(sender)
    campaign_id = page_url.rsplit("/", 1)[1]
    assert 'id="send-test"' in text(sender.get(page_url))

    answer = sender.post(f"{page_url}/test", {"to_me": "1", "extra": "", "locale": "ru"})

    assert answer.status_code == 303
    assert "The test email was queued" in text(sender.get(location(answer)))
    rows = _rows(app, "SELECT payload FROM outbox WHERE routing_key = 'campaign.test_requested'")
    payloads = [json.loads(p) if isinstance(p, str) else p for (p,) in rows]
    mine = [payload for payload in payloads if payload["campaign_id"] == campaign_id]
    assert len(mine) == 1 and mine[0]["to"] == [me.email] and mine[0]["locale"] == "ru"
    audit = _audited(app, campaign_id)
    assert "campaign.test_sent" in [row.action for row in audit]


def test_a_test_send_to_an_address_not_of_staff_is_refused_next_to_it(sender, table_counts) -> None:
    page_url = create(sender)
    before = table_counts()

    answer = sender.post(
        f"{page_url}/test", {"to_me": "1", "extra": "stranger@example.org", "locale": "ky"}
    )

    assert answer.status_code == 422
    shown = text(answer)
    assert 'id="test-extra-error"' in shown and "stranger@example.org" in shown
    assert table_counts() == before


def test_too_many_test_sends_are_refused_with_the_wait(sender) -> None:
    page_url = create(sender)
    for _attempt in range(10):
        assert sender.post(f"{page_url}/test", {"to_me": "1"}).status_code == 303

    answer = sender.post(f"{page_url}/test", {"to_me": "1"})

    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0
    assert "try again in 60 min" in text(answer)


def _finished_with_failures(app, campaign_id: uuid.UUID) -> uuid.UUID:
    """The mailer's report that the campaign's run ended with 2 of 10 emails failed."""
    with app.extensions["consent.sessions"]() as session, session.begin():
        store = SqlRepository(session).campaigns
        run = store.runs_of([campaign_id])[campaign_id][0]
        store.save_run_state(
            run.id,
            RunState(
                RunStatus.COMPLETED,
                RunCounts(recipients=10, sent=8, failed=2),
                2,
                datetime(2026, 12, 1, 9, 1, tzinfo=UTC),
                datetime(2026, 12, 1, 9, 5, tzinfo=UTC),
                None,
            ),
        )
        return run.id


def test_a_sender_retries_a_runs_failures_and_marketing_may_not(
    browser, person, sender, app, table_counts
) -> None:
    page_url = create(sender)
    sender.post(f"{page_url}/run")
    campaign_id = uuid.UUID(page_url.rsplit("/", 1)[1])
    run_id = _finished_with_failures(app, campaign_id)
    run_url = f"{page_url}/runs/{run_id}"
    marketing = signed_in(browser(), person("marketing"))

    assert 'id="action-retry"' not in text(marketing.get(run_url))
    before = table_counts()
    refused = marketing.post(f"{run_url}/retry")
    assert refused.status_code == 403 and "Your roles do not include this page." in text(refused)
    assert table_counts() == before

    assert 'id="action-retry"' in text(sender.get(run_url))
    answer = sender.post(f"{run_url}/retry")

    assert answer.status_code == 303
    assert "A run was started for the emails that failed." in text(sender.get(location(answer)))
    with app.extensions["consent.sessions"]() as session:
        store = SqlRepository(session).campaigns
        assert store.retried(run_id)
        assert len(store.runs_of([campaign_id])[campaign_id]) == 2
    assert 'id="action-retry"' not in text(sender.get(run_url))
    again = sender.post(f"{run_url}/retry")
    assert "cannot be retried" in text(sender.get(location(again)))


def test_an_edit_keeps_the_end_of_a_recurring_schedule(sender) -> None:
    page_url = create(sender)
    ends = {"rrule": "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "until": "2027-06-01T00:00:00+06:00"}
    assert sender.post(f"{page_url}/edit", form(**ends)).status_code == 303

    shown = text(sender.get(f"{page_url}/edit"))
    assert 'name="until" value="2027-06-01T00:00:00+06:00"' in shown
    assert sender.post(f"{page_url}/edit", form(name="Башка", **ends)).status_code == 303
    assert 'value="2027-06-01T00:00:00+06:00"' in text(sender.get(f"{page_url}/edit"))

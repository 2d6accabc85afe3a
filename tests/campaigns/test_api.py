"""The campaign routes: what they answer, what they write, and that bad input changes nothing."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from consent_service.services.campaigns import apply_report
from schemas.messages import load_message
from tests.campaigns.factories import (
    CONTENT,
    COUNT_FIELDS,
    WEEKLY_BISHKEK,
    campaign_body,
    outbox,
    run_report,
    run_report_v2,
    runs_of,
)

CAMPAIGN_FIELDS = {
    "id",
    "name",
    "purpose",
    "status",
    "next_run_at",
    "schedule",
    "layout",
    "created_at",
    "runs",
}
RUN_FIELDS = {
    "id",
    "status",
    "trigger",
    "retry_of",
    "scheduled_for",
    "started_at",
    "finished_at",
    "counts",
    "by_locale",
    "reason",
}
UNKNOWN_ID = "00000000-0000-0000-0000-000000000000"


def create(client, headers, **overrides) -> dict:
    response = client.post("/v1/campaigns", json=campaign_body(**overrides), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def post(client, headers, campaign_id: str, action: str):
    return client.post(f"/v1/campaigns/{campaign_id}/{action}", headers=headers)


def report(campaign_id: str, run_id: str, sequence: int, status: str, **counts: int) -> dict:
    return load_message(run_report(campaign_id, run_id, sequence, status, **counts))


def test_create_answers_201_with_the_campaign_and_its_first_run_time(client, marketer) -> None:
    response = client.post("/v1/campaigns", json=campaign_body(), headers=marketer)
    assert response.status_code == 201
    campaign = response.get_json()
    assert set(campaign) == CAMPAIGN_FIELDS | {"warnings"}
    assert campaign["warnings"] == []
    assert response.headers["Location"] == f"/v1/campaigns/{campaign['id']}"
    assert (campaign["status"], campaign["runs"], campaign["purpose"]) == (
        "scheduled",
        [],
        "newsletters",
    )
    assert campaign["schedule"] == WEEKLY_BISHKEK
    first = datetime.fromisoformat(campaign["next_run_at"]).astimezone(ZoneInfo("Asia/Bishkek"))
    assert (first.strftime("%a %H:%M"), first > datetime.now(UTC)) == ("Mon 09:00", True)


def test_create_with_a_one_off_schedule(client, marketer) -> None:
    campaign = create(client, marketer, schedule={"at": "2030-01-07T09:00:00+06:00"})
    assert datetime.fromisoformat(campaign["next_run_at"]) == datetime(2030, 1, 7, 3, tzinfo=UTC)


def test_list_is_newest_first_and_filters_by_status(client, marketer, reader) -> None:
    first = create(client, marketer, name="first")
    second = create(client, marketer, name="second")
    assert post(client, marketer, first["id"], "pause").status_code == 200
    listed = client.get("/v1/campaigns", headers=reader).get_json()["campaigns"]
    assert [c["name"] for c in listed] == ["second", "first"]
    paused = client.get("/v1/campaigns?status=paused", headers=reader).get_json()["campaigns"]
    assert [c["id"] for c in paused] == [first["id"]]
    scheduled = client.get("/v1/campaigns?status=scheduled", headers=reader).get_json()
    assert [c["id"] for c in scheduled["campaigns"]] == [second["id"]]


def test_get_shows_the_runs_newest_first_with_their_counts(app, client, marketer, store) -> None:
    campaign = create(client, marketer)
    older = post(client, marketer, campaign["id"], "runs").get_json()["run_id"]
    newer = post(client, marketer, campaign["id"], "runs").get_json()["run_id"]
    with store() as campaigns:
        apply_report(
            campaigns,
            report(campaign["id"], older, 1, "running", recipients=4, sent=2),
            datetime.now(UTC),
        )
    shown = client.get(f"/v1/campaigns/{campaign['id']}", headers=marketer).get_json()
    assert [run["id"] for run in shown["runs"]] == [newer, older]
    run = shown["runs"][1]
    assert set(run) == RUN_FIELDS
    assert (run["status"], run["trigger"], run["scheduled_for"]) == ("running", "manual", None)
    assert run["counts"] == dict.fromkeys(COUNT_FIELDS, 0) | {"recipients": 4, "sent": 2}
    assert run["by_locale"] is None  # a `/1` report: the mailer did not count per locale


def test_get_shows_the_counts_per_locale_with_cells_below_five_as_null(
    client, marketer, store
) -> None:
    campaign = create(client, marketer)
    run_id = post(client, marketer, campaign["id"], "runs").get_json()["run_id"]
    by_locale = {
        "ky": {"recipients": 120, "sent": 117, "skipped_withdrawn": 3},
        "ru": {"recipients": 5, "sent": 4, "failed": 1},
    }
    with store() as campaigns:
        apply_report(
            campaigns,
            load_message(run_report_v2(campaign["id"], run_id, 1, "completed", by_locale)),
            datetime.now(UTC),
        )

    [run] = client.get(f"/v1/campaigns/{campaign['id']}", headers=marketer).get_json()["runs"]

    hidden = dict.fromkeys(COUNT_FIELDS, None)
    assert run["by_locale"] == {
        "ky": hidden | {"recipients": 120, "sent": 117},
        "ru": hidden | {"recipients": 5},
    }
    assert run["counts"] == {  # the totals stay exact
        "recipients": 125,
        "sent": 121,
        "skipped_withdrawn": 3,
        "skipped_capped": 0,
        "failed": 1,
        "unknown": 0,
    }
    listed = client.get("/v1/campaigns", headers=marketer).get_json()["campaigns"]
    assert listed[0]["runs"][0]["by_locale"] == run["by_locale"]


def test_a_failed_run_shows_why(client, marketer, store) -> None:
    campaign = create(client, marketer)
    run_id = post(client, marketer, campaign["id"], "runs").get_json()["run_id"]
    failed = run_report(campaign["id"], run_id, 1, "failed", recipients=1, failed=1)
    failed["reason"] = "ky.html: rendering took longer than 2 s"
    with store() as campaigns:
        apply_report(campaigns, load_message(failed), datetime.now(UTC))

    shown = client.get(f"/v1/campaigns/{campaign['id']}", headers=marketer).get_json()

    [run] = shown["runs"]
    assert (run["status"], run["reason"]) == ("failed", "ky.html: rendering took longer than 2 s")


def test_starting_a_run_answers_202_and_writes_the_run_request(app, client, marketer) -> None:
    campaign = create(client, marketer)
    response = post(client, marketer, campaign["id"], "runs")
    assert response.status_code == 202
    run_id = response.get_json()["run_id"]
    [message] = outbox(app, "campaign.run_requested")
    loaded = load_message(message)
    assert (str(loaded["campaign_id"]), str(loaded["run_id"])) == (campaign["id"], run_id)
    assert loaded["content"] == CONTENT
    assert (loaded["purpose"], loaded["default_locale"], loaded["campaign_name"]) == (
        "newsletters",
        "ky",
        "Weekly news",
    )
    run = client.get(f"/v1/campaigns/{campaign['id']}", headers=marketer).get_json()["runs"][0]
    assert (run["id"], run["status"]) == (run_id, "planned")


def test_pause_resume_cancel_tell_the_mailer_with_growing_versions(app, client, marketer) -> None:
    campaign = create(client, marketer)
    for action, status in [("pause", "paused"), ("resume", "scheduled"), ("cancel", "cancelled")]:
        response = post(client, marketer, campaign["id"], action)
        assert response.status_code == 200
        assert response.get_json()["status"] == status
    controls = [load_message(m) for m in outbox(app, "campaign.control")]
    assert [(m["state"], m["version"]) for m in controls] == [
        ("paused", 1),
        ("running", 2),
        ("cancelled", 3),
    ]
    assert {str(m["campaign_id"]) for m in controls} == {campaign["id"]}


def test_cancel_cancels_the_unfinished_runs_and_keeps_the_ended_ones(
    client, marketer, store
) -> None:
    campaign = create(client, marketer)
    done = post(client, marketer, campaign["id"], "runs").get_json()["run_id"]
    going = post(client, marketer, campaign["id"], "runs").get_json()["run_id"]
    with store() as campaigns:
        apply_report(
            campaigns,
            report(campaign["id"], done, 1, "completed", recipients=1, sent=1),
            datetime.now(UTC),
        )
    cancelled = post(client, marketer, campaign["id"], "cancel").get_json()
    statuses = {run["id"]: run["status"] for run in cancelled["runs"]}
    assert statuses == {done: "completed", going: "cancelled"}
    assert cancelled["next_run_at"] is None


def test_resume_computes_the_next_run_from_now_so_a_pause_gathers_no_runs(
    client, marketer, new_campaign, store
) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=30)
    view = new_campaign(WEEKLY_BISHKEK, long_ago)
    campaign_id = str(view.campaign.id)
    assert view.campaign.next_run_at < datetime.now(UTC)
    post(client, marketer, campaign_id, "pause")
    resumed = post(client, marketer, campaign_id, "resume").get_json()
    next_run = datetime.fromisoformat(resumed["next_run_at"])
    assert datetime.now(UTC) < next_run <= datetime.now(UTC) + timedelta(days=7)
    assert runs_of(store, view.campaign.id) == []


def test_resuming_a_one_off_whose_time_passed_while_paused_completes_it(
    client, marketer, new_campaign, store
) -> None:
    created = datetime.now(UTC) - timedelta(days=2)
    view = new_campaign({"at": created + timedelta(days=1)}, created)
    post(client, marketer, str(view.campaign.id), "pause")
    resumed = post(client, marketer, str(view.campaign.id), "resume").get_json()
    assert (resumed["status"], resumed["next_run_at"], resumed["runs"]) == ("completed", None, [])


# -- bad input: a 4xx problem document, and every table as it was ------------------------------


def _json(body) -> dict:
    return {"data": json.dumps(body), "content_type": "application/json"}


def content_with(locale: str, part: str, template: str) -> dict:
    return CONTENT | {locale: CONTENT[locale] | {part: template}}


BAD_CREATES = {
    "Jinja2 syntax error": (
        _json(campaign_body(content=content_with("ky", "html", "<p>\n{% if %}\n</p>"))),
        ("content", "ky", "html"),
        "line 2",
    ),
    "undefined variable": (
        _json(campaign_body(content=content_with("en", "text", "Hi {{ first_name }}"))),
        ("content", "en", "text"),
        "first_name",
    ),
    "unclosed tag in the subject": (
        _json(campaign_body(content=content_with("ky", "subject", "{{ name"))),
        ("content", "ky", "subject"),
        "line 1",
    ),
    "missing default-locale version": (
        _json(campaign_body(content={"en": CONTENT["en"]})),
        ("content", "ky"),
        "default locale",
    ),
    "unknown locale": (
        _json(campaign_body(content=CONTENT | {"de": CONTENT["en"]})),
        ("content", "de"),
        None,
    ),
    "missing text part": (
        _json(campaign_body(content=CONTENT | {"en": {"subject": "s", "html": "h"}})),
        ("content", "en", "text"),
        None,
    ),
    "unknown field in a locale": (
        _json(campaign_body(content=content_with("en", "amp", "x"))),
        ("content", "en", "amp"),
        None,
    ),
    "no content at all": (_json(campaign_body(content={})), ("content",), None),
    "at in the past": (
        _json(campaign_body(schedule={"at": "2020-01-01T09:00:00+06:00"})),
        ("schedule", "at"),
        "past",
    ),
    "at without an offset": (
        _json(campaign_body(schedule={"at": "2030-01-01T09:00:00"})),
        ("schedule", "at"),
        None,
    ),
    "at and rrule together": (
        _json(campaign_body(schedule=WEEKLY_BISHKEK | {"at": "2030-01-01T09:00:00+06:00"})),
        ("schedule", "_schema"),
        None,
    ),
    "neither at nor rrule": (
        _json(campaign_body(schedule={"timezone": "UTC"})),
        ("schedule", "_schema"),
        None,
    ),
    "unknown time zone": (
        _json(campaign_body(schedule=WEEKLY_BISHKEK | {"timezone": "Asia/Atlantis"})),
        ("schedule", "timezone"),
        None,
    ),
    "unparsable rrule": (
        _json(campaign_body(schedule=WEEKLY_BISHKEK | {"rrule": "every monday"})),
        ("schedule", "rrule"),
        None,
    ),
    "minutely rrule": (
        _json(campaign_body(schedule=WEEKLY_BISHKEK | {"rrule": "FREQ=MINUTELY"})),
        ("schedule", "rrule"),
        "MINUTELY",
    ),
    "DTSTART in the rrule": (
        _json(
            campaign_body(schedule=WEEKLY_BISHKEK | {"rrule": "DTSTART=20270101T090000;FREQ=DAILY"})
        ),
        ("schedule", "rrule"),
        "DTSTART",
    ),
    "rrule with no future occurrence": (
        _json(campaign_body(schedule=WEEKLY_BISHKEK | {"until": "2020-01-01T00:00:00Z"})),
        ("schedule", "until"),
        None,
    ),
    "unknown field in the schedule": (
        _json(campaign_body(schedule=WEEKLY_BISHKEK | {"every": "week"})),
        ("schedule", "every"),
        None,
    ),
    "unknown top-level field": (_json(campaign_body(segment="all")), ("segment",), None),
    "purpose not on email": (_json(campaign_body(purpose="personalization")), ("purpose",), None),
    "purpose not based on consent": (
        _json(campaign_body(purpose="transactions")),
        ("purpose",),
        None,
    ),
    "unknown purpose": (_json(campaign_body(purpose="marketing")), ("purpose",), None),
    "missing name": (
        _json({k: v for k, v in campaign_body().items() if k != "name"}),
        ("name",),
        None,
    ),
    "card number as name": (_json(campaign_body(name="4111 1111 1111 1111")), ("name",), None),
    "JSON array": (_json([campaign_body()]), ("_schema",), None),
}


@pytest.mark.parametrize("case", list(BAD_CREATES))
def test_bad_campaign_is_a_422_naming_the_problem_and_changes_nothing(
    case, client, marketer, table_counts
) -> None:
    request, path, words = BAD_CREATES[case]
    before = table_counts()
    response = client.post("/v1/campaigns", headers=marketer, **request)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["type"].endswith("invalid-body")
    found = problem["errors"]
    for key in path:
        found = found[key]
    assert found
    if words:
        assert words in json.dumps(found, ensure_ascii=False)
    assert table_counts() == before


NOT_JSON = {
    "malformed JSON": (400, {"data": '{"name": ', "content_type": "application/json"}),
    "wrong content type": (
        415,
        {"data": "name=x", "content_type": "application/x-www-form-urlencoded"},
    ),
}


@pytest.mark.parametrize("case", list(NOT_JSON))
def test_a_body_that_is_not_json_is_a_problem_and_changes_nothing(
    case, client, marketer, table_counts
) -> None:
    status, request = NOT_JSON[case]
    before = table_counts()
    response = client.post("/v1/campaigns", headers=marketer, **request)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert table_counts() == before


def routes(campaign_id: str) -> list[tuple[str, str]]:
    return [
        ("POST", "/v1/campaigns"),
        ("GET", "/v1/campaigns"),
        ("GET", f"/v1/campaigns/{campaign_id}"),
        *[
            ("POST", f"/v1/campaigns/{campaign_id}/{a}")
            for a in ("pause", "resume", "cancel", "runs")
        ],
    ]


@pytest.fixture
def campaign_id(client, marketer) -> str:
    return create(client, marketer)["id"]


def test_every_route_without_a_key_is_401_and_changes_nothing(
    client, campaign_id, table_counts
) -> None:
    before = table_counts()
    for method, path in routes(campaign_id):
        response = client.open(path, method=method, json=campaign_body())
        assert (method, path, response.status_code) == (method, path, 401)
        assert response.content_type == "application/problem+json"
    assert table_counts() == before


def test_every_route_with_the_wrong_scope_is_403_and_changes_nothing(
    client, campaign_id, make_key, reader, table_counts
) -> None:
    consents_only = {"Authorization": f"Bearer {make_key('consents:write', 'subjects:read')}"}
    before = table_counts()
    for method, path in routes(campaign_id):
        headers = reader if method == "POST" else consents_only
        response = client.open(path, method=method, json=campaign_body(), headers=headers)
        assert (method, path, response.status_code) == (method, path, 403)
        assert response.content_type == "application/problem+json"
    assert table_counts() == before


@pytest.mark.parametrize("missing", [UNKNOWN_ID, "not-a-uuid"])
def test_unknown_or_malformed_campaign_id_is_404_and_changes_nothing(
    missing, client, marketer, campaign_id, table_counts
) -> None:
    before = table_counts()
    for method, path in routes(missing)[2:]:
        response = client.open(path, method=method, headers=marketer)
        assert (path, response.status_code) == (path, 404)
        assert response.get_json()["type"].endswith("campaign-not-found")
    assert table_counts() == before


REFUSED_MOVES = {
    "pause a paused campaign": (["pause"], "pause"),
    "resume a scheduled campaign": ([], "resume"),
    "resume a cancelled campaign": (["cancel"], "resume"),
    "pause a cancelled campaign": (["cancel"], "pause"),
    "cancel a cancelled campaign": (["cancel"], "cancel"),
    "run a paused campaign": (["pause"], "runs"),
    "run a cancelled campaign": (["cancel"], "runs"),
}


@pytest.mark.parametrize("case", list(REFUSED_MOVES))
def test_a_move_the_status_does_not_allow_is_409_and_changes_nothing(
    case, client, marketer, campaign_id, table_counts
) -> None:
    before_moves, refused = REFUSED_MOVES[case]
    for action in before_moves:
        assert post(client, marketer, campaign_id, action).status_code == 200
    before = table_counts()
    response = post(client, marketer, campaign_id, refused)
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert table_counts() == before


def test_an_unknown_status_filter_is_400_and_changes_nothing(client, reader, table_counts) -> None:
    before = table_counts()
    response = client.get("/v1/campaigns?status=running", headers=reader)
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert table_counts() == before


def test_the_openapi_document_lists_the_campaign_routes(client) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    assert {path for _, path in routes("{campaign_id}")} <= set(paths)

"""`campaigns:send`, drafts, `PATCH`, test sends and retries over HTTP (SPEC section 9).

Whoever may only edit (`campaigns:write`) makes drafts and may stop mail; starting, resuming,
retrying and scheduling need `campaigns:send` (decision 0030).
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask

from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.domain.staff.accounts import StaffAccount
from consent_service.services.campaign_tests import TESTS_PER_HOUR
from consent_service.services.campaigns import apply_report
from schemas.messages import load_message
from tests.campaigns.factories import CONTENT, WEEKLY_BISHKEK, campaign_body, outbox, run_report

STAFF = "aigul@shop.example.kg"
CONFIGURED = "qa@agency.example"


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return environ | {"CONSOLE_TEST_RECIPIENTS": CONFIGURED}


@pytest.fixture
def staff(app: Flask) -> Callable[..., None]:
    """Add a member of staff with an address, active unless `disabled`."""

    def add(email: str, *, disabled: bool = False) -> None:
        now = datetime.now(UTC)
        account = StaffAccount(
            uuid.uuid4(),
            email,
            None,
            frozenset({"marketing"}),
            now,
            disabled_at=now if disabled else None,
        )
        with app.extensions["consent.sessions"]() as session, session.begin():
            SqlStaffStore(SqlRepository(session)).add_account(account)

    return add


def create(client, headers, **overrides) -> dict:
    response = client.post("/v1/campaigns", json=campaign_body(**overrides), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def patch(client, headers, campaign_id: str, body: dict):
    return client.patch(f"/v1/campaigns/{campaign_id}", json=body, headers=headers)


def finish(store, campaign_id: str, run_id: str, **counts: int) -> None:
    report = run_report(campaign_id, run_id, 1, "completed", **counts)
    with store() as campaigns:
        apply_report(campaigns, load_message(report), datetime.now(UTC))


def test_a_key_without_campaigns_send_creates_a_draft_and_cannot_start_it(
    client, editor, app
) -> None:
    campaign = create(client, editor)
    assert (campaign["status"], campaign["next_run_at"]) == ("draft", None)
    assert campaign["schedule"] == WEEKLY_BISHKEK
    for action in ("runs", "resume"):
        response = client.post(f"/v1/campaigns/{campaign['id']}/{action}", headers=editor)
        assert response.status_code == 403
        assert "campaigns:send" in response.get_json()["detail"]
    assert outbox(app, "campaign.run_requested") == []


def test_a_sender_schedules_a_draft_with_patch_and_can_then_run_it(
    client, editor, marketer
) -> None:
    campaign = create(client, editor, schedule=None)
    assert campaign["schedule"] is None
    response = patch(client, marketer, campaign["id"], {"schedule": WEEKLY_BISHKEK})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "scheduled"
    assert response.get_json()["next_run_at"] is not None
    started = client.post(f"/v1/campaigns/{campaign['id']}/runs", headers=marketer)
    assert started.status_code == 202


def test_an_edit_without_campaigns_send_turns_a_scheduled_campaign_into_a_draft(
    client, editor, marketer, app
) -> None:
    campaign = create(client, marketer)
    response = patch(client, editor, campaign["id"], {"name": "Changed"})
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["name"]) == ("draft", "Changed")
    [control] = outbox(app, "campaign.control")
    assert control["state"] == "paused"


def test_pause_and_cancel_need_only_campaigns_write(client, editor, marketer) -> None:
    campaign = create(client, marketer)
    paused = client.post(f"/v1/campaigns/{campaign['id']}/pause", headers=editor)
    assert (paused.status_code, paused.get_json()["status"]) == (200, "paused")
    cancelled = client.post(f"/v1/campaigns/{campaign['id']}/cancel", headers=editor)
    assert (cancelled.status_code, cancelled.get_json()["status"]) == (200, "cancelled")


def test_patch_of_a_campaign_with_a_run_in_progress_is_409_and_changes_nothing(
    client, marketer, table_counts
) -> None:
    campaign = create(client, marketer)
    client.post(f"/v1/campaigns/{campaign['id']}/runs", headers=marketer)
    before = table_counts()
    response = patch(client, marketer, campaign["id"], {"name": "Too late"})
    assert response.status_code == 409
    assert response.headers["Content-Type"] == "application/problem+json"
    assert table_counts() == before


def test_patch_validates_as_create_does_and_warns_of_missing_locales(
    client, marketer, table_counts
) -> None:
    campaign = create(client, marketer)
    before = table_counts()
    broken = {"content": {"ky": {"subject": "x", "html": "{{ nope(", "text": "x"}}}
    response = patch(client, marketer, campaign["id"], broken)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["content"]["ky"]) == {"html"}
    unknown = patch(client, marketer, campaign["id"], {"colour": "red"})
    assert unknown.status_code == 422
    assert table_counts() == before

    edited = patch(client, marketer, campaign["id"], {"content": {"en": None}})
    assert edited.status_code == 200
    assert edited.get_json()["warnings"] == []
    assert edited.get_json()["status"] == "scheduled"


def test_patch_of_an_unknown_or_cancelled_campaign(client, marketer) -> None:
    assert patch(client, marketer, str(uuid.uuid4()), {"name": "x"}).status_code == 404
    campaign = create(client, marketer)
    client.post(f"/v1/campaigns/{campaign['id']}/cancel", headers=marketer)
    assert patch(client, marketer, campaign["id"], {"name": "x"}).status_code == 409


def test_a_test_send_to_anyone_but_staff_is_refused_and_nothing_is_sent(
    client, editor, staff, table_counts
) -> None:
    staff(STAFF)
    staff("left@shop.example.kg", disabled=True)
    campaign = create(client, editor)
    before = table_counts()
    for stranger in ("reader@example.kg", "left@shop.example.kg"):
        response = client.post(
            f"/v1/campaigns/{campaign['id']}/test", json={"to": [STAFF, stranger]}, headers=editor
        )
        assert response.status_code == 422
        assert set(response.get_json()["errors"]["to"]) == {"1"}
    assert table_counts() == before


def test_a_test_send_to_staff_and_configured_addresses_is_queued_for_the_mailer(
    client, editor, staff, app
) -> None:
    staff(STAFF)
    campaign = create(client, editor)
    response = client.post(
        f"/v1/campaigns/{campaign['id']}/test",
        json={"to": [STAFF.upper(), CONFIGURED], "locale": "en"},
        headers=editor,
    )
    assert response.status_code == 202, response.get_json()
    [message] = outbox(app, "campaign.test_requested")
    assert (message["to"], message["locale"]) == ([STAFF.upper(), CONFIGURED], "en")
    assert message["content"] == CONTENT
    assert outbox(app, "campaign.run_requested") == []


def test_test_sends_beyond_the_hourly_limit_get_429_with_retry_after(client, editor, staff) -> None:
    staff(STAFF)
    campaign = create(client, editor)
    path = f"/v1/campaigns/{campaign['id']}/test"
    for _ in range(TESTS_PER_HOUR):
        assert client.post(path, json={"to": [STAFF]}, headers=editor).status_code == 202
    limited = client.post(path, json={"to": [STAFF]}, headers=editor)
    assert limited.status_code == 429
    assert 3500 <= int(limited.headers["Retry-After"]) <= 3600


def test_retry_needs_campaigns_send_and_an_ended_run_with_failures(
    client, editor, marketer, store, app
) -> None:
    campaign = create(client, marketer)
    run_id = client.post(f"/v1/campaigns/{campaign['id']}/runs", headers=marketer).get_json()[
        "run_id"
    ]
    path = f"/v1/campaigns/{campaign['id']}/runs/{run_id}/retry"
    assert client.post(path, headers=editor).status_code == 403
    assert client.post(path, headers=marketer).status_code == 409  # still planned
    finish(store, campaign["id"], run_id, recipients=4, sent=2, failed=1, unknown=1)

    response = client.post(path, headers=marketer)
    assert response.status_code == 202, response.get_json()
    retry_id = response.get_json()["run_id"]
    [requested] = [m for m in outbox(app, "campaign.run_requested") if m["run_id"] == retry_id]
    assert requested["retry_of"] == run_id
    shown = client.get(f"/v1/campaigns/{campaign['id']}", headers=marketer).get_json()
    [retry] = [run for run in shown["runs"] if run["id"] == retry_id]
    assert (retry["trigger"], retry["retry_of"]) == ("retry", run_id)
    assert client.post(path, headers=marketer).status_code == 409
    stranger = f"/v1/campaigns/{campaign['id']}/runs/{uuid.uuid4()}/retry"
    assert client.post(stranger, headers=marketer).status_code == 404
    assert (
        client.post(f"/v1/campaigns/{campaign['id']}/runs/nope/retry", headers=marketer).status_code
        == 404
    )

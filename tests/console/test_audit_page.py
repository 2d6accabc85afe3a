"""`/console/audit`: the last ledger verification and checkpoint for privacy officers and
administrators; "verify now" (post/redirect/get) kept and in the console audit log; a broken
ledger said plainly; the console audit log, paged newest first, for administrators only."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.domain.staff.accounts import AuditAction, AuditEntry
from consent_service.services import audit
from consent_service.services.console_log import PAGE
from tests.console.conftest import forms_of, location, signed_in
from tests.console.conftest import text as page_text
from tests.factories import consent_body


def verifications(app) -> list:
    table = orm.AuditVerification.__table__
    with app.extensions["consent.engine"].connect() as connection:
        return list(connection.execute(select(table).order_by(table.c.id)))


def log_lines(app, action: str) -> list:
    table = orm.ConsoleAuditEntry.__table__
    with app.extensions["consent.engine"].connect() as connection:
        return list(connection.execute(select(table).where(table.c.action == action)))


@pytest.fixture
def history(app, writer) -> None:
    """Two people, one of whom withdrew: three ledger entries."""
    client = app.test_client()
    body = consent_body(purposes={"newsletters": True, "personalization": True})
    subject_id = client.post("/v1/consents", json=body, headers=writer).get_json()["subject_id"]
    client.put(
        f"/v1/subjects/{subject_id}/consents/personalization",
        json={"status": "withdrawn", "source": "preference_center"},
        headers=writer,
    )


def tamper(app) -> None:
    with app.extensions["consent.engine"].begin() as connection:
        connection.execute(
            text("UPDATE consent_ledger SET status = 'granted' WHERE status = 'withdrawn'")
        )


def audit_now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def privacy(browser, person):
    return signed_in(browser(), person("privacy"))


def test_before_any_verification_the_page_says_so(privacy) -> None:
    page = privacy.get("/console/audit")
    assert page.status_code == 200
    assert "The ledger has not been verified yet." in page_text(page)
    assert "No checkpoint has been sealed yet." in page_text(page)


def test_verify_now_runs_keeps_and_shows_the_outcome(app, privacy, person, history) -> None:
    answer = privacy.post("/console/audit/verify")

    assert answer.status_code == 303
    assert location(answer) == "/console/audit?done=verified"
    shown = page_text(privacy.get(location(answer)))
    assert "The ledger verifies: nothing was edited, removed or reordered." in shown
    assert 'id="verified-entries">3<' in shown and 'id="verified-subjects">1<' in shown
    [kept] = verifications(app)
    assert kept.actor.startswith("console:") and kept.problems == 0
    [line] = log_lines(app, AuditAction.LEDGER_VERIFIED)
    assert str(line.user_id) == kept.actor.removeprefix("console:")


def test_the_person_who_verified_is_named(app, browser, person, history) -> None:
    officer = person("privacy")
    signed_in(browser(), officer).post("/console/audit/verify")
    shown = page_text(signed_in(browser(), person("admin")).get("/console/audit"))
    assert f'id="verified-by">{officer.email}<' in shown


def test_a_broken_ledger_is_shown_plainly_with_what_does_not_verify(app, privacy, history) -> None:
    tamper(app)

    shown = page_text(privacy.get(location(privacy.post("/console/audit/verify"))))

    assert "The ledger does NOT verify. Problems found:" in shown
    assert "content does not match its hash (edited)" in shown
    assert 'role="alert" id="verdict"' in shown
    assert verifications(app)[-1].problems >= 1


def test_a_verification_from_the_command_line_is_shown_as_such(app, privacy, history) -> None:
    with app.extensions["consent.sessions"]() as session, session.begin():
        registry = SqlRepository(session)
        audit.checkpoint(registry, "test-secret", audit_now(), timedelta(0))
        audit.verify_and_record(registry, ["test-secret"], audit.COMMAND_LINE, audit_now())

    shown = page_text(privacy.get("/console/audit"))

    assert "The command line (consent audit verify)" in shown
    assert 'id="checkpoint-at"' in shown


def test_verify_now_needs_its_csrf_field(app, privacy, history) -> None:
    forged = privacy.client.post("/console/audit/verify")
    assert forged.status_code == 403
    assert verifications(app) == []


@pytest.mark.parametrize("role", ["marketing", "support", "sender"])
def test_roles_without_audit_read_open_nothing_here(app, browser, person, role) -> None:
    someone = signed_in(browser(), person(role))
    assert someone.get("/console/audit").status_code == 403
    assert someone.post("/console/audit/verify").status_code == 403
    assert verifications(app) == []


def test_the_console_log_is_for_administrators_only(browser, person) -> None:
    privacy = signed_in(browser(), person("privacy"))
    admin = signed_in(browser(), person("admin"))
    assert "Console audit log" not in page_text(privacy.get("/console/audit"))
    assert "Console audit log" in page_text(admin.get("/console/audit"))


def test_the_console_log_pages_newest_first_and_offers_no_change(app, browser, person) -> None:
    admin = signed_in(browser(), person("admin"))
    with app.extensions["consent.sessions"]() as session, session.begin():
        store = SqlStaffStore(SqlRepository(session))
        for number in range(PAGE + 5):
            store.record(
                AuditEntry(audit_now(), None, AuditAction.REPORT_DOWNLOADED, f"n:{number}", None)
            )

    first = admin.get("/console/audit")
    shown = page_text(first)
    newest = shown.index(f"n:{PAGE + 4}<")
    assert newest < shown.index(f"n:{PAGE + 3}<")
    assert "n:4<" not in shown
    actions = forms_of(first.get_data(as_text=True)).actions
    assert sorted(actions) == ["/console/audit/verify", "/console/logout"]
    cursor = re.search(r'href="([^"]*before=\d+)" id="older"', shown)[1]
    second = page_text(admin.get(cursor))
    assert "n:4<" in second and "n:0<" in second and f"n:{PAGE + 4}<" not in second
    assert 'id="older"' not in second and 'id="newest"' in second


@pytest.mark.parametrize("cursor", ["x", "-1", "0", "1e3", "\uff19", str(2**64)])
def test_a_bad_cursor_is_a_bad_request_page(browser, person, cursor) -> None:
    admin = signed_in(browser(), person("admin"))
    answer = admin.get("/console/audit", query_string={"before": cursor})
    assert answer.status_code == 400
    assert answer.mimetype == "text/html"

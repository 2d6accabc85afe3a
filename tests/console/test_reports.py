"""`/console/reports`: the privacy officer's form and its download, the same stream as
`GET /v1/reports/consents`; a bad choice draws the form again (422) before anything is read;
only people holding `reports:read` open it; every download is in the console audit log."""

import csv
import io
import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from consent_service.adapters import orm
from tests.console.conftest import forms_of, signed_in, text

SUBJECT = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
# Bishkek is UTC+6: 2026-11-30 20:00 UTC is already 1 December there
LATE_EVENING = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
EARLY = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def consents(app) -> None:
    """Two consents of one person, set on different days, with the entries that set them."""
    rows = [("newsletters", "granted", EARLY, 1), ("surveys", "withdrawn", LATE_EVENING, 2)]
    with app.extensions["consent.engine"].begin() as connection:
        connection.execute(
            insert(orm.Subject.__table__).values(
                id=SUBJECT,
                email="aigul@example.kg",
                email_key="aigul@example.kg",
                locale="ky",
                version=2,
                created_at=EARLY,
                updated_at=LATE_EVENING,
            )
        )
        for purpose, status, at, seq in rows:
            connection.execute(
                insert(orm.Consent.__table__).values(
                    subject_id=SUBJECT,
                    purpose=purpose,
                    status=status,
                    policy_version="2026-11-01",
                    source="=cmd|' /C calc'!A0"[:32] if seq == 2 else "registration",
                    version=seq,
                    updated_at=at,
                )
            )
            connection.execute(
                insert(orm.LedgerEntry.__table__).values(
                    subject_id=SUBJECT,
                    seq=seq,
                    kind="consent",
                    purpose=purpose,
                    status=status,
                    source="registration",
                    actor="console:x",
                    policy_version="2026-11-01",
                    recorded_at=at,
                    evidence_digest="0" * 64,
                    prev_hash="1" * 64,
                    hash=f"{seq}" * 64,
                )
            )


def audit(app) -> list[tuple[str, str, dict]]:
    with app.extensions["consent.engine"].connect() as connection:
        query = select(
            orm.ConsoleAuditEntry.action,
            orm.ConsoleAuditEntry.target,
            orm.ConsoleAuditEntry.details,
        ).where(orm.ConsoleAuditEntry.action.like("report.%"))
        return [tuple(row) for row in connection.execute(query)]


def test_the_privacy_officer_downloads_the_report_the_form_chose(app, browser, person, consents):
    officer = signed_in(browser(), person("privacy"))

    page = officer.get("/console/reports")
    answer = officer.get(
        "/console/reports/download?kind=current&purpose=&status=&source=&"
        "policy_version=&from=&to=&format=csv"
    )

    assert page.status_code == 200
    assert 'method="get"' in page.get_data(as_text=True)
    assert "/console/reports/download" in forms_of(page.get_data(as_text=True)).actions
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [row["purpose"] for row in rows] == ["newsletters", "surveys"]
    assert answer.headers["X-Report-Rows"] == str(len(rows))  # the download's progress
    assert rows[1]["source"].startswith("'=")  # a spreadsheet shows it, does not run it
    assert "aigul" not in answer.get_data(as_text=True)
    assert audit(app) == [
        ("report.downloaded", "report:current", {"kind": "current", "format": "csv"})
    ]


def test_the_days_are_bishkek_days_and_the_last_one_is_included(app, browser, person, consents):
    officer = signed_in(browser(), person("privacy"))

    def purposes(query: str) -> list[str]:
        answer = officer.get(f"/console/reports/download?format=jsonl&{query}")
        assert answer.status_code == 200
        lines = answer.get_data(as_text=True).splitlines()
        assert answer.headers["X-Report-Rows"] == str(len(lines))  # counted with the filters
        return [json.loads(line)["purpose"] for line in lines]

    assert purposes("from=2026-12-01") == ["surveys"]
    assert purposes("to=2026-11-30") == ["newsletters"]
    assert purposes("from=2026-11-20&to=2026-11-20") == ["newsletters"]
    assert purposes("kind=ledger&status=withdrawn") == ["surveys"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01", "from"),
        ("from=2026-12-02&to=2026-12-01", "to"),
        ("purpose=transactions", "purpose"),
        ("format=xlsx", "format"),
        ("kind=%00", "kind"),
    ],
)
def test_a_bad_choice_draws_the_form_again_and_reads_nothing(
    app, browser, person, query, field
) -> None:
    officer = signed_in(browser(), person("privacy"))

    answer = officer.get(f"/console/reports/download?{query}")

    assert answer.status_code == 422
    assert answer.mimetype == "text/html"
    assert f'id="{field}-error"' in answer.get_data(as_text=True)
    assert audit(app) == []
    assert app.extensions["consent.engine"].pool.checkedout() == 0


@pytest.mark.parametrize("role", ["marketing", "support"])
def test_only_people_holding_reports_read_get_a_report(app, browser, person, role) -> None:
    someone = signed_in(browser(), person(role))

    assert someone.get("/console/reports").status_code == 403
    assert someone.get("/console/reports/download").status_code == 403
    assert "/console/reports" not in text(someone.get("/console/"))


def test_the_page_speaks_kyrgyz(app, browser, person) -> None:
    officer = signed_in(browser(), person("privacy"))

    page = officer.get("/console/reports?lang=ky")

    assert "Макулдуктар боюнча отчет" in page.get_data(as_text=True)

"""`consent import`: evidence checked row by row, valid rows applied in batches, reruns inert."""

import csv
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from consent_service.adapters import orm
from consent_service.adapters.import_store import ImportStore
from consent_service.cli import main
from consent_service.domain.import_rows import COLUMNS
from consent_service.domain.suppression import SuppressionReason
from consent_service.services.suppressions import suppress
from schemas.messages import load_message
from tests.factories import IMPORT_POLICY as POLICY
from tests.factories import import_row as row
from tests.processes import consent_cli


def consent_body_for(email: str, purposes: dict[str, bool]) -> dict:
    return {"subject": {"email": email}, "purposes": purposes, "source": "registration"}


def write(path: Path, rows: list[dict[str, str]], columns=COLUMNS) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def as_dict(value) -> dict:
    """A JSON column as read back: a dict on PostgreSQL, text on SQLite."""
    return value if isinstance(value, dict) else json.loads(value)


def read_report(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def run_import(environ, tmp_path):
    """`consent import` through click, as a user would run it, on the test's database."""

    def run(rows: list[dict[str, str]], *options: str, name: str = "people.csv"):
        path = write(tmp_path / name, rows)
        return CliRunner().invoke(main, ["import", str(path), *options], env=environ)

    return run


@pytest.fixture
def query(app):
    engine = app.extensions["consent.engine"]

    def run(statement: str) -> list:
        with engine.connect() as conn:
            return list(conn.execute(text(statement)))

    return run


@pytest.fixture
def publish_policy(app):
    """Add a policy version in effect from `effective_at`."""

    def publish(version: str, effective_at: datetime) -> None:
        with app.extensions["consent.sessions"]() as session, session.begin():
            session.execute(
                orm.Policy.__table__.insert().values(
                    version=version, effective_at=effective_at, created_at=effective_at
                )
            )

    return publish


def test_valid_rows_become_subjects_consents_ledger_entries_and_messages(
    run_import, query, tmp_path
) -> None:
    result = run_import(
        [
            row(),
            row(purpose="personalization", status="withdrawn"),
            row(email="bolot@example.kg", purpose="promotions", locale="ru", name=""),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "imported 3, unchanged 0, rejected 0 (of 3 rows; 2 new subjects)" in result.stdout
    subjects = query(
        "SELECT email, locale, name, external_id, version FROM subjects ORDER BY email"
    )
    assert [tuple(s) for s in subjects] == [
        ("aigul@example.kg", "ky", "Aigul", "u-17", 2),
        ("bolot@example.kg", "ru", None, "u-17", 1),
    ]
    consents = query("SELECT purpose, status, source, policy_version FROM consents ORDER BY 1")
    assert [tuple(c) for c in consents] == [
        ("newsletters", "granted", "import", POLICY),
        ("personalization", "withdrawn", "import", POLICY),
        ("promotions", "granted", "import", POLICY),
    ]
    assert query("SELECT count(*) FROM consent_ledger")[0][0] == 3
    assert query("SELECT count(*) FROM outbox")[0][0] == 3
    assert read_report(tmp_path / "people.rejected.csv") == []


def test_imported_email_purposes_are_granted_without_a_confirmation_email(
    run_import, query
) -> None:
    run_import([row(purpose=p) for p in ("newsletters", "promotions", "surveys")])
    assert {s for (s,) in query("SELECT status FROM consents")} == {"granted"}
    keys = {k for (k,) in query("SELECT routing_key FROM outbox")}
    assert keys == {f"consent.{p}.granted" for p in ("newsletters", "promotions", "surveys")}


def test_the_ledger_keeps_the_evidence_and_the_consent_its_decision_time(run_import, query) -> None:
    run_import([row()])
    (evidence,) = [as_dict(e) for (e,) in query("SELECT evidence FROM consent_ledger")]
    assert evidence == {
        "method": "newsletter_form",
        "consented_at": "2026-11-05T04:00:00.000000Z",
        "form_id": "footer",
        "ip": "203.0.113.0/24",
        "user_agent": "Mozilla/5.0",
    }
    (updated_at,) = query("SELECT updated_at FROM consents")[0]
    assert str(updated_at).startswith("2026-11-05 04:00:00")


REJECTED = [
    (row(email="not-an-address"), "invalid_email"),
    (row(purpose="lottery"), "unknown_purpose"),
    (row(purpose="transactions"), "not_consent_purpose"),
    (row(status="maybe"), "invalid_status"),
    (row(status="pending"), "invalid_status"),
    (row(consented_at=""), "missing_evidence"),
    (row(source=""), "missing_evidence"),
    (row(policy_version=""), "missing_evidence"),
    (row(consented_at="yesterday"), "invalid_consented_at"),
    (row(consented_at="2026-11-05T10:00:00"), "invalid_consented_at"),
    (row(consented_at="2099-01-01T00:00:00Z"), "future_consented_at"),
    (row(policy_version="1999-01-01"), "unknown_policy_version"),
    (row(consented_at="2026-10-31T23:00:00Z"), "policy_not_in_effect"),
    (row(locale="de"), "invalid_locale"),
    (row(name="card 4111 1111 1111 1111"), "card_number"),
    (row(external_id="x" * 201), "too_long"),
    (row(ip="999.1.1.1"), "invalid_ip"),
]


def test_every_invalid_row_is_in_the_report_with_its_reason_and_nothing_of_it_is_written(
    run_import, query, tmp_path
) -> None:
    rows = [
        r | {"email": r["email"].replace("aigul", f"p{n}")} for n, (r, _) in enumerate(REJECTED)
    ]
    result = run_import([row(email="valid@example.kg"), *rows])
    assert result.exit_code == 1
    assert f"imported 1, unchanged 0, rejected {len(REJECTED)}" in result.stdout
    report = read_report(tmp_path / "people.rejected.csv")
    assert [r["reason"].split(":")[0] for r in report] == [code for _, code in REJECTED]
    assert [int(r["line"]) for r in report] == list(range(3, 3 + len(REJECTED)))
    assert [{k: r[k] for k in COLUMNS} for r in report] == rows  # the original rows
    assert [e for (e,) in query("SELECT email FROM subjects")] == ["valid@example.kg"]
    assert query("SELECT count(*) FROM consent_ledger")[0][0] == 1


def test_a_row_with_a_missing_field_is_rejected_as_malformed(environ, tmp_path) -> None:
    path = tmp_path / "short.csv"
    path.write_text(",".join(COLUMNS) + "\naigul@example.kg,newsletters,granted\n")
    result = CliRunner().invoke(main, ["import", str(path)], env=environ)
    assert result.exit_code == 1
    (rejected,) = read_report(tmp_path / "short.rejected.csv")
    assert rejected["reason"].startswith("malformed_row")


def test_a_policy_replaced_before_the_consent_was_given_is_not_evidence(
    run_import, publish_policy, tmp_path
) -> None:
    publish_policy("2026-06-01", datetime(2026, 6, 1, tzinfo=UTC))
    result = run_import(
        [
            row(policy_version="2026-06-01", consented_at="2026-07-01T00:00:00Z"),
            row(email="late@example.kg", policy_version="2026-06-01"),
        ]
    )
    assert "imported 1, unchanged 0, rejected 1" in result.stdout
    (rejected,) = read_report(tmp_path / "people.rejected.csv")
    assert rejected["email"] == "late@example.kg"
    assert "'2026-11-01' had replaced '2026-06-01'" in rejected["reason"]


@pytest.mark.parametrize(
    "reason", [SuppressionReason.ERASED, SuppressionReason.HARD_BOUNCE], ids=str
)
def test_a_suppressed_address_is_rejected_with_the_reason(
    run_import, registry_session, query, tmp_path, reason
) -> None:
    registry = registry_session()
    suppress(registry, "test-secret", "Gone@Example.kg", reason, datetime.now(UTC))
    registry.session.commit()
    result = run_import([row(email="gone@example.kg"), row()])
    assert "imported 1, unchanged 0, rejected 1" in result.stdout
    (rejected,) = read_report(tmp_path / "people.rejected.csv")
    assert rejected["reason"].startswith(
        f"suppressed: The address is on the suppression list ({reason})"
    )
    assert [e for (e,) in query("SELECT email FROM subjects")] == ["aigul@example.kg"]


def test_rerunning_the_same_file_changes_nothing(run_import, table_counts) -> None:
    rows = [
        row(),
        row(purpose="personalization", status="withdrawn"),
        row(email="bolot@example.kg"),
        row(email="broken"),
    ]
    first = run_import(rows)
    assert "imported 3, unchanged 0, rejected 1" in first.stdout
    before = table_counts()
    again = run_import(rows)
    assert "imported 0, unchanged 3, rejected 1 (of 4 rows; 0 new subjects)" in again.stdout
    assert table_counts() == before


def test_a_bad_row_does_not_spoil_its_batch(run_import, query) -> None:
    rows = [row(email=f"p{n}@example.kg") for n in range(7)]
    rows[1] = row(email="bad")
    rows[5] = row(email="p5@example.kg", purpose="lottery")
    result = run_import(rows, "--batch-size", "3")
    assert "imported 5, unchanged 0, rejected 2" in result.stdout
    assert sorted(e for (e,) in query("SELECT email FROM subjects")) == [
        f"p{n}@example.kg" for n in (0, 2, 3, 4, 6)
    ]


def test_an_imported_ledger_verifies_and_every_message_loads(run_import, environ, query) -> None:
    purposes = ("newsletters", "promotions", "surveys")
    rows = [row(email=f"p{n}@example.kg", purpose=p) for p in purposes for n in range(4)]
    rows.append(row(email="p0@example.kg", status="withdrawn", consented_at="2026-11-06T00:00:00Z"))
    assert run_import(rows, "--batch-size", "5").exit_code == 0
    verified = consent_cli(environ, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "ledger verifies: 13 entries, 4 subjects" in verified.stdout
    payloads = [p for (p,) in query("SELECT payload FROM outbox ORDER BY id")]
    loaded = [load_message(as_dict(p)) for p in payloads]
    assert len(loaded) == 13
    versions = {}
    for message in loaded:
        assert message["version"] == versions.get(message["subject_id"], 0) + 1
        versions[message["subject_id"]] = message["version"]


def test_an_import_writes_what_the_api_writes_for_the_same_decision(
    run_import, client, writer, query
) -> None:
    body = {
        "subject": {"email": "api@example.kg", "locale": "ky", "name": "Aigul"},
        "purposes": {"personalization": True},
        "source": "import",
        "policy_version": POLICY,
    }
    assert client.post("/v1/consents", json=body, headers=writer).status_code == 201
    run_import([row(purpose="personalization")])

    def by_email(statement: str) -> dict[str, tuple]:
        return {r[0]: tuple(r[1:]) for r in query(statement)}

    consents = by_email(
        "SELECT s.email, c.purpose, c.status, c.policy_version, c.source, c.version "
        "FROM consents c JOIN subjects s ON s.id = c.subject_id"
    )
    assert consents["api@example.kg"] == consents["aigul@example.kg"]
    ledger = by_email(
        "SELECT s.email, l.seq, l.kind, l.purpose, l.previous_status, l.status, l.source, "
        "l.policy_version FROM consent_ledger l JOIN subjects s ON s.id = l.subject_id"
    )
    assert ledger["api@example.kg"] == ledger["aigul@example.kg"]
    messages = {}
    for (payload,) in query("SELECT payload FROM outbox"):
        message = as_dict(payload)
        different = ("message_id", "occurred_at", "subject_id", "email")
        messages[message["email"]] = {k: v for k, v in message.items() if k not in different}
    assert messages["api@example.kg"] == messages["aigul@example.kg"]


def test_an_existing_subject_keeps_its_data_and_gains_the_imported_decision(
    run_import, client, writer, query
) -> None:
    body = {
        "subject": {"email": "aigul@example.kg", "locale": "en", "name": "A."},
        "purposes": {"personalization": True},
        "source": "registration",
    }
    client.post("/v1/consents", json=body, headers=writer)
    result = run_import([row(purpose="promotions"), row(purpose="personalization")])
    assert "imported 1, unchanged 1, rejected 0 (of 2 rows; 0 new subjects)" in result.stdout
    assert [tuple(r) for r in query("SELECT locale, name, version FROM subjects")] == [
        ("en", "A.", 2)
    ]


def test_an_old_row_never_undoes_a_later_withdrawal(
    run_import, client, writer, query, tmp_path
) -> None:
    body = {
        "subject": {"email": "aigul@example.kg"},
        "purposes": {"personalization": False},
        "source": "preference_center",
    }
    client.post("/v1/consents", json=body, headers=writer)
    result = run_import([row(purpose="personalization")])
    assert "imported 0, unchanged 0, rejected 1" in result.stdout
    (rejected,) = read_report(tmp_path / "people.rejected.csv")
    assert rejected["reason"].startswith("superseded: A later decision for 'personalization'")
    assert query("SELECT status FROM consents")[0][0] == "withdrawn"


def test_an_address_created_while_its_batch_runs_is_read_again_not_duplicated(
    run_import, client, writer, query, monkeypatch
) -> None:
    body = consent_body_for("aigul@example.kg", {"personalization": True})
    client.post("/v1/consents", json=body, headers=writer)
    real, calls = ImportStore.subjects_for_update, []

    def blind_at_first(store, keys):
        calls.append(keys)  # the first read misses the subject, as if it were created just after
        return {} if len(calls) == 1 else real(store, keys)

    monkeypatch.setattr(ImportStore, "subjects_for_update", blind_at_first)
    result = run_import([row()])
    assert "imported 1, unchanged 0, rejected 0 (of 1 rows; 0 new subjects)" in result.stdout
    assert len(calls) == 2
    assert query("SELECT count(*) FROM subjects")[0][0] == 1


def test_a_history_in_one_file_is_applied_in_order(run_import, query) -> None:
    result = run_import(
        [
            row(consented_at="2026-11-02T00:00:00Z"),
            row(status="withdrawn", consented_at="2026-11-03T00:00:00Z"),
            row(consented_at="2026-11-04T00:00:00Z"),
            row(status="withdrawn", consented_at="2026-11-03T12:00:00Z"),  # older than the last
        ]
    )
    assert "imported 3, unchanged 0, rejected 1" in result.stdout
    statuses = [s for (s,) in query("SELECT status FROM consent_ledger ORDER BY seq")]
    assert statuses == ["granted", "withdrawn", "granted"]


def test_a_file_with_a_wrong_header_is_refused_whole(environ, tmp_path, table_counts) -> None:
    before = table_counts()
    path = write(
        tmp_path / "bad.csv",
        [{"email": "a@example.kg", "purpose": "x", "colour": "red"}],
        columns=["email", "purpose", "colour"],
    )
    result = CliRunner().invoke(main, ["import", str(path)], env=environ)
    assert result.exit_code == 2
    assert "missing column(s): status, consented_at, source, policy_version" in result.output
    assert "unknown column(s): 'colour'" in result.output
    assert table_counts() == before


def test_a_file_that_is_not_utf8_is_refused_whole(environ, tmp_path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((",".join(COLUMNS) + "\nm\xfcller@example.kg\n").encode("latin-1"))
    result = CliRunner().invoke(main, ["import", str(path)], env=environ)
    assert result.exit_code == 2
    assert "not a UTF-8 CSV file" in result.output


def test_the_report_is_readable_by_its_owner_only_and_goes_where_asked(
    run_import, tmp_path
) -> None:
    target = tmp_path / "out" / "rejected.csv"
    target.parent.mkdir()
    run_import([row(email="broken")], "--report", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert len(read_report(target)) == 1


def test_progress_goes_to_stderr_without_addresses(run_import) -> None:
    result = run_import([row(email=f"p{n}@example.kg") for n in range(3)])
    assert "importing people.csv: 0/3" in result.stderr
    assert "importing people.csv: 3/3 done" in result.stderr
    assert "@" not in result.stderr


def test_a_spreadsheet_byte_order_mark_is_accepted(environ, tmp_path, query) -> None:
    path = write(tmp_path / "excel.csv", [row()])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = CliRunner().invoke(main, ["import", str(path)], env=environ)
    assert result.exit_code == 0, result.output
    assert query("SELECT count(*) FROM subjects")[0][0] == 1


def test_imported_subjects_answer_on_the_api(run_import, client, writer) -> None:
    run_import([row()])
    found = client.get("/v1/subjects?email=AIGUL@example.kg", headers=writer)
    assert found.status_code == 200
    consent = found.get_json()["consents"]["newsletters"]
    assert consent["status"] == "granted"
    assert consent["policy_version"] == POLICY


def test_the_timestamp_of_a_consent_must_not_be_in_the_future_even_by_seconds(
    run_import, tmp_path
) -> None:
    soon = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    run_import([row(consented_at=soon)])
    (rejected,) = read_report(tmp_path / "people.rejected.csv")
    assert rejected["reason"].startswith("future_consented_at")


def test_an_import_does_not_count_as_a_confirmed_address(run_import, app) -> None:
    run_import([row()])
    with app.extensions["consent.sessions"]() as session:
        subject = session.scalars(select(orm.Subject)).one()
    assert subject.email_confirmed_at is None
    assert subject.erased_at is None

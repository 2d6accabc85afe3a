"""`GET /v1/reports/consents` on both databases: what the report holds, how it is chosen,
and that it is read from one snapshot whose connection goes back when the download ends."""

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent_service.app import create_app
from consent_service.config import Settings
from consent_service.domain.reports import COLUMNS, ReportKind
from consent_service.faces.transactions import snapshot
from tests.factories import consent_body
from tests.hostile_input import hostile_text, query_string

REPORT = "/v1/reports/consents"


@pytest.fixture
def reader(make_key: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key('subjects:read')}"}


def sign_up(client: FlaskClient, writer: dict[str, str], **purposes: bool) -> dict:
    answer = client.post(
        "/v1/consents",
        json=consent_body(purposes=purposes or {"newsletters": True}),
        headers=writer,
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def csv_rows(answer) -> list[dict[str, str]]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))


def json_lines(answer) -> list[dict]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "application/jsonl"
    return [json.loads(line) for line in answer.get_data(as_text=True).splitlines()]


def test_the_current_report_has_every_consent_with_its_evidence_and_no_contact_data(
    client, writer, reader
) -> None:
    first = sign_up(client, writer, newsletters=True, personalization=True)
    second = sign_up(client, writer, promotions=True)
    withdrawn = client.put(
        f"/v1/subjects/{second['subject_id']}/consents/promotions",
        json={"status": "withdrawn", "source": "preference_center"},
        headers=writer,
    )
    assert withdrawn.status_code == 200

    answer = client.get(REPORT, headers=reader)
    rows = csv_rows(answer)

    assert answer.get_data(as_text=True).splitlines()[0] == ",".join(COLUMNS[ReportKind.CURRENT])
    assert "attachment" in answer.headers["Content-Disposition"]
    assert answer.headers["Cache-Control"] == "no-store"
    found = {(row["subject_id"], row["purpose"]): row for row in rows}
    assert set(found) == {
        (first["subject_id"], "newsletters"),
        (first["subject_id"], "personalization"),
        (second["subject_id"], "promotions"),
    }
    promotions = found[second["subject_id"], "promotions"]
    assert (promotions["status"], promotions["source"]) == ("withdrawn", "preference_center")
    history = client.get(f"/v1/subjects/{second['subject_id']}/history", headers=reader)
    last = history.get_json()["entries"][-1]
    assert promotions["entry_hash"] == last["hash"]
    assert promotions["actor"] == last["actor"]
    assert promotions["version"] == str(last["version"])
    assert datetime.fromisoformat(promotions["updated_at"]) == datetime.fromisoformat(
        last["recorded_at"]
    )
    body = answer.get_data(as_text=True)
    assert first["email"] not in body and second["email"] not in body
    assert "@" not in body


def test_the_ledger_report_has_every_entry_of_the_period_in_order(client, writer, reader) -> None:
    person = sign_up(client, writer, newsletters=True, personalization=True)
    client.put(
        f"/v1/subjects/{person['subject_id']}/consents/personalization",
        json={"status": "withdrawn", "source": "admin"},
        headers=writer,
    )
    entries = client.get(f"/v1/subjects/{person['subject_id']}/history", headers=reader)
    history = entries.get_json()["entries"]

    lines = json_lines(client.get(f"{REPORT}?kind=ledger&format=jsonl", headers=reader))

    assert [list(line) for line in lines] == [list(COLUMNS[ReportKind.LEDGER])] * len(history)
    assert [line["hash"] for line in lines] == [entry["hash"] for entry in history]
    assert [line["seq"] for line in lines] == [1, 2, 3]
    assert lines[1]["prev_hash"] == lines[0]["hash"]
    assert lines[2]["previous_status"] == "granted" and lines[2]["status"] == "withdrawn"


def test_the_filters_choose_the_rows(client, writer, reader) -> None:
    early = sign_up(client, writer, newsletters=True, personalization=True)
    client.put(
        f"/v1/subjects/{early['subject_id']}/consents/personalization",
        json={"status": "withdrawn", "source": "admin"},
        headers=writer,
    )
    history = client.get(f"/v1/subjects/{early['subject_id']}/history", headers=reader)
    between = datetime.fromisoformat(history.get_json()["entries"][-1]["recorded_at"])
    late = sign_up(client, writer, personalization=True)

    def report(**query: str) -> list[tuple[str, str, str]]:
        lines = json_lines(
            client.get(f"{REPORT}?{urlencode({'format': 'jsonl', **query})}", headers=reader)
        )
        return sorted((line["subject_id"], line["purpose"], line["status"]) for line in lines)

    a, b = early["subject_id"], late["subject_id"]
    assert report(purpose="personalization") == sorted(
        [(a, "personalization", "withdrawn"), (b, "personalization", "granted")]
    )
    assert report(status="withdrawn") == [(a, "personalization", "withdrawn")]
    assert report(source="admin") == [(a, "personalization", "withdrawn")]
    assert report(policy_version="2026-11-01", purpose="newsletters") == [
        (a, "newsletters", "pending")  # waiting for double opt-in
    ]
    assert report(policy_version="1999-01-01") == []
    later = (between + timedelta(microseconds=1)).isoformat()
    assert report(to=later) == sorted(
        [(a, "newsletters", "pending"), (a, "personalization", "withdrawn")]
    )
    assert (b, "personalization", "granted") in report(**{"from": later})
    assert report(kind="ledger", status="withdrawn", to=later) == [
        (a, "personalization", "withdrawn")
    ]
    assert report(kind="ledger", **{"from": later}) == [(b, "personalization", "granted")]


def test_an_empty_report_is_a_header_in_csv_and_nothing_in_json_lines(client, reader) -> None:
    csv_answer = client.get(f"{REPORT}?kind=ledger", headers=reader)
    assert csv_answer.status_code == 200
    assert csv_answer.get_data(as_text=True) == ",".join(COLUMNS[ReportKind.LEDGER]) + "\r\n"
    assert client.get(f"{REPORT}?format=jsonl", headers=reader).get_data() == b""


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("kind=everything", "kind"),
        ("format=xlsx", "format"),
        ("purpose=transactions", "purpose"),
        ("status=maybe", "status"),
        ("source=telepathy", "source"),
        ("policy_version=" + "9" * 40, "policy_version"),
        ("from=yesterday", "from"),
        ("to=2026-12-01T00:00:00", "to"),
        ("from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to"),
        ("email=aigul@example.kg", "email"),
        ("purpose=%00", "purpose"),
    ],
)
def test_a_bad_parameter_is_a_problem_naming_it(client, reader, query, parameter) -> None:
    answer = client.get(f"{REPORT}?{query}", headers=reader)
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert list(answer.get_json()["errors"]) == [parameter]


def test_the_report_needs_the_subjects_read_scope(client, make_key) -> None:
    writes_only = {"Authorization": f"Bearer {make_key('consents:write')}"}
    assert client.get(REPORT, headers=writes_only).status_code == 403
    assert client.get(REPORT).status_code == 401


def test_a_write_during_the_download_is_not_in_it_and_is_not_held_up(
    app: Flask, client, writer, reader, monkeypatch
) -> None:
    """The report is one snapshot: a consent recorded while it is being sent is not in it,
    and the write does not wait for the download (on SQLite too: no write lock is taken)."""
    monkeypatch.setattr("consent_service.adapters.report_store.BATCH", 2)
    before = [sign_up(client, writer)["subject_id"] for _ in range(5)]

    answer = client.get(f"{REPORT}?format=jsonl", headers=reader, buffered=False)
    chunks = iter(answer.response)
    received = next(chunks)
    during = sign_up(client, writer)["subject_id"]
    received += b"".join(chunks)
    answer.close()

    reported = [json.loads(line)["subject_id"] for line in received.decode().splitlines()]
    assert sorted(reported) == sorted(before)
    assert during not in reported
    assert app.extensions["consent.engine"].pool.checkedout() == 0


def test_a_download_closed_part_way_gives_its_connection_back(
    app: Flask, client, writer, reader, monkeypatch
) -> None:
    monkeypatch.setattr("consent_service.adapters.report_store.BATCH", 1)
    for _ in range(4):
        sign_up(client, writer)
    engine = app.extensions["consent.engine"]

    answer = client.get(f"{REPORT}?kind=ledger", headers=reader, buffered=False)
    next(iter(answer.response))
    assert engine.pool.checkedout() == 1
    answer.close()

    assert engine.pool.checkedout() == 0
    assert client.get(REPORT, headers=reader).status_code == 200


def test_the_worker_is_told_it_is_alive_while_a_long_report_is_sent(
    client, writer, reader, monkeypatch
) -> None:
    beats: list[datetime] = []
    monkeypatch.setattr("consent_service.adapters.report_store.BATCH", 1)
    monkeypatch.setattr("consent_service.faces.streams.KEEP_ALIVE_SECONDS", 0.0)
    monkeypatch.setattr(
        "consent_service.faces.streams._keep_alive", [lambda: beats.append(datetime.now(UTC))]
    )
    for _ in range(3):
        sign_up(client, writer)

    assert len(csv_rows(client.get(REPORT, headers=reader))) == 3
    assert len(beats) >= 3


PARAMETERS = ("kind", "purpose", "status", "source", "policy_version", "from", "to", "format")
GOOD_VALUES = (
    "current",
    "ledger",
    "csv",
    "jsonl",
    "newsletters",
    "granted",
    "admin",
    "2026-11-01",
    "2026-11-01T00:00:00+06:00",
    "2026-11-01T00:00:00Z",
)


@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from(PARAMETERS), hostile_text),
            st.one_of(st.sampled_from(GOOD_VALUES), hostile_text),
        ),
        max_size=5,
    )
)
def test_any_query_string_is_a_whole_report_or_a_whole_problem(app, client, reader, pairs) -> None:
    answer = client.get(f"{REPORT}?{query_string(pairs)}", headers=reader)

    assert answer.status_code in (200, 422), answer.get_data(as_text=True)
    if answer.status_code == 422:
        assert answer.mimetype == "application/problem+json"
        assert answer.get_json()["errors"]
    elif answer.mimetype == "text/csv":
        assert answer.get_data(as_text=True).startswith("subject_id,") or answer.get_data(
            as_text=True
        ).startswith("entry_id,")
    else:
        assert answer.mimetype == "application/jsonl"
    assert app.extensions["consent.engine"].pool.checkedout() == 0


@pytest.mark.postgres
def test_the_report_reads_in_a_read_only_repeatable_read_transaction(postgres_url, tmp_path):
    environ = {
        "CONSENT_INSTANCE_DIR": str(tmp_path / "instance"),
        "CONSENT_DATABASE_URL": postgres_url,
        "CONSENT_SECRET_KEY": "test-secret",
    }
    app = create_app(Settings.from_env(environ))
    try:
        with app.test_request_context(), snapshot() as registry:
            connection = registry.connection
            isolation = connection.exec_driver_sql("SHOW transaction_isolation").scalar()
            read_only = connection.exec_driver_sql("SHOW transaction_read_only").scalar()
    finally:
        app.extensions["consent.engine"].dispose()
    assert (isolation, read_only) == ("repeatable read", "on")

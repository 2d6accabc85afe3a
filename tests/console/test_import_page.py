"""`/console/import`: an administrator uploads a CSV, the job runs in the background with its
progress in the database, and its page shows the counts and the rejection report (line and
reason codes only). A file that cannot be imported is refused whole with a page (4xx), and
nothing is recorded; the counts are those of `consent import` for the same file."""

import csv
import io
import re
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from consent_service.adapters import orm, schema
from consent_service.adapters.import_job_store import SqlImportJobStore
from consent_service.adapters.repository import SqlRepository
from consent_service.cli import main
from consent_service.console import imports
from consent_service.domain.import_rows import COLUMNS
from consent_service.services import import_jobs
from tests.console.conftest import START, forms_of, signed_in, text
from tests.console.people import audit_lines
from tests.factories import import_row as row

WAIT_SECONDS = 30


def csv_file(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


MIXED = [
    row(),
    row(purpose="personalization", status="withdrawn"),
    row(email="not an address"),
    row(email="bolot@example.kg", purpose="promotions", locale="ru"),
    row(),  # the same decision again: unchanged
    row(email="chyngyz@example.kg", status="maybe"),
    row(status="withdrawn", consented_at="2026-11-01T10:00:00+06:00"),  # older: superseded
]


def upload(who, data: bytes, name: str = "people.csv"):
    return who.post("/console/import", {"file": (io.BytesIO(data), name)})


def job_id_of(answer) -> uuid.UUID:
    found = re.fullmatch(r".*/console/import/([0-9a-f-]{36})", answer.headers["Location"])
    assert found, answer.headers.get("Location")
    return uuid.UUID(found.group(1))


def job_of(app, job_id: uuid.UUID):
    with app.extensions["consent.sessions"]() as session:
        return SqlImportJobStore(SqlRepository(session)).job(job_id)


def finished(app, job_id: uuid.UUID):
    """The job once it has ended: the background thread is awaited, never slept for."""
    deadline = time.monotonic() + WAIT_SECONDS
    while (found := job_of(app, job_id)) is None or found.state.value == "running":
        assert time.monotonic() < deadline, "the import did not end"
        time.sleep(0.02)
    return found


def table_counts(app) -> dict[str, int]:
    tables = (orm.Subject, orm.Consent, orm.LedgerEntry, orm.ImportJob, orm.ImportRejection)
    with app.extensions["consent.engine"].connect() as connection:
        return {
            table.__tablename__: connection.execute(
                select(func.count()).select_from(table.__table__)
            ).scalar_one()
            for table in tables
        }


@pytest.fixture
def admin(browser, person):
    who = person("admin")
    return signed_in(browser(), who), who


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)


def test_an_upload_is_imported_in_the_background_and_its_page_shows_the_counts(
    app, admin, small_batches
) -> None:
    browser, who = admin
    form = browser.get("/console/import")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.get_data(as_text=True)
    assert "/console/import" in forms_of(form.get_data(as_text=True)).actions

    answer = upload(browser, csv_file(MIXED))

    assert answer.status_code == 303
    job_id = job_id_of(answer)
    job = finished(app, job_id)
    assert (job.state.value, job.rows_total, job.rows_read) == ("done", 7, 7)
    assert (job.imported, job.unchanged, job.rejected, job.subjects_created) == (3, 1, 3, 2)
    page = browser.get(f"/console/import/{job_id}")
    shown = text(page)
    assert page.status_code == 200
    assert 'id="import-state" data-refresh-done>Done<' in shown
    assert 'id="import-imported">3<' in shown and 'id="import-rejected">3<' in shown
    assert "data-refresh=" not in shown
    report = browser.get(f"/console/import/{job_id}/rejected.csv")
    assert report.mimetype == "text/csv"
    assert "attachment" in report.headers["Content-Disposition"]
    assert list(csv.reader(io.StringIO(report.get_data(as_text=True)))) == [
        ["line", "reason"],
        ["4", "invalid_email"],
        ["7", "invalid_status"],
        ["8", "superseded"],
    ]
    with app.extensions["consent.engine"].connect() as connection:
        actors = connection.execute(select(orm.LedgerEntry.actor).distinct()).scalars().all()
    assert actors == [f"console:{who.account.id}"]
    [line] = audit_lines(app, "import.started")
    assert (line.user_id, line.target) == (who.account.id, f"import:{job_id}")
    assert line.details in (
        {"file_name": "people.csv", "rows": 7},
        '{"file_name": "people.csv", "rows": 7}',
    )
    listed = text(browser.get("/console/import"))
    assert f'id="import-{job_id}"' in listed and "people.csv" in listed


def test_uploading_the_same_file_again_changes_nothing(app, admin) -> None:
    browser, _who = admin
    finished(app, job_id_of(upload(browser, csv_file(MIXED))))
    before = table_counts(app)

    again = finished(app, job_id_of(upload(browser, csv_file(MIXED))))

    assert (again.imported, again.unchanged, again.rejected, again.subjects_created) == (0, 4, 3, 0)
    after = table_counts(app)
    assert {k: v for k, v in after.items() if not k.startswith("import")} == {
        k: v for k, v in before.items() if not k.startswith("import")
    }


def test_the_background_job_counts_what_the_command_counts(
    app, admin, small_batches, tmp_path: Path
) -> None:
    """The same file through the console and through `consent import`, each on a database of
    its own: the same counts and the same rejected lines and reasons."""
    browser, _who = admin
    data = csv_file(MIXED * 2 + [row(email=f"p{n}@example.kg") for n in range(5)])
    job = finished(app, job_id_of(upload(browser, data)))
    shown = browser.get(f"/console/import/{job.id}/rejected.csv").get_data(as_text=True)

    elsewhere = f"sqlite:///{tmp_path / 'cli.db'}"
    schema.upgrade(elsewhere)
    path = tmp_path / "people.csv"
    path.write_bytes(data)
    environment = {
        "CONSENT_INSTANCE_DIR": str(tmp_path / "cli"),
        "CONSENT_DATABASE_URL": elsewhere,
        "CONSENT_SECRET_KEY": "test-secret",
    }
    result = CliRunner().invoke(main, ["import", str(path), "--batch-size", "2"], env=environment)

    counted = (
        f"imported {job.imported}, unchanged {job.unchanged}, rejected {job.rejected} "
        f"(of {job.rows_total} rows; {job.subjects_created} new subjects)"
    )
    assert job.imported and job.unchanged and job.rejected
    assert counted in result.stdout, result.output
    with (tmp_path / "people.rejected.csv").open(newline="") as handle:
        by_cli = [(r["line"], r["reason"].partition(":")[0]) for r in csv.DictReader(handle)]
    assert [tuple(r) for r in list(csv.reader(io.StringIO(shown)))[1:]] == by_cli


def test_a_running_job_refreshes_itself_and_an_old_one_that_stopped_is_interrupted(
    app, admin, clock
) -> None:
    browser, who = admin
    job = import_jobs.new_job(who.account.id, "big.csv", 10, START)
    with app.extensions["consent.sessions"]() as session, session.begin():
        store = SqlImportJobStore(SqlRepository(session))
        store.add_job(job)
        store.advance(job.id, 4, [(3, "invalid_email")], START)

    page = text(browser.get(f"/console/import/{job.id}"))
    part = browser.get(f"/console/import/{job.id}/part")

    assert f'data-refresh="/console/import/{job.id}/part"' in page
    assert 'id="import-rows-read">4<' in page and ">Importing<" in page
    assert part.headers["X-Console-Fragment"] == "1"
    assert "data-refresh-done" not in part.get_data(as_text=True)
    clock.advance(minutes=11)
    stopped = text(browser.get(f"/console/import/{job.id}"))
    assert ">Interrupted<" in stopped and 'id="import-stopped"' in stopped
    assert "data-refresh=" not in stopped
    assert browser.get(f"/console/import/{uuid.uuid4()}").status_code == 404


def _nothing_recorded(app, before: dict[str, int]) -> None:
    assert table_counts(app) == before
    assert audit_lines(app, "import.started") == []


def test_a_file_that_cannot_be_imported_is_refused_whole_with_a_page(
    app, admin, monkeypatch
) -> None:
    browser, _who = admin
    before = table_counts(app)
    latin1 = "email,purpose\nbäh\n".encode("latin-1")
    no_evidence = b"email,purpose,status\naigul@example.kg,newsletters,granted\n"

    refusals = {
        "not utf-8": upload(browser, latin1),
        "bad header": upload(browser, no_evidence),
        "empty": upload(browser, b""),
        "binary": upload(browser, b"\x00\x01PK\x03\x04"),
        "no file": browser.post("/console/import", {}),
    }

    for why, answer in refusals.items():
        assert answer.status_code == 422, why
        assert answer.mimetype == "text/html", why
        assert 'id="import-error"' in answer.get_data(as_text=True), why
    assert "UTF-8" in text(refusals["not utf-8"])
    assert "columns of an import" in text(refusals["bad header"])
    monkeypatch.setattr(imports, "MAX_BYTES", 100)
    too_large = upload(browser, csv_file([row()] * 3))
    assert too_large.status_code == 413
    assert "larger than" in text(too_large)
    monkeypatch.setattr(imports, "FORM_OVERHEAD", 0)
    assert upload(browser, csv_file([row()] * 3)).status_code == 413
    _nothing_recorded(app, before)


def test_only_whoever_may_import_opens_the_page_or_uploads(app, browser, person) -> None:
    officer = signed_in(browser(), person("privacy"))
    before = table_counts(app)

    assert officer.get("/console/import").status_code == 403
    assert upload(officer, csv_file([row()])).status_code == 403
    assert "/console/import" not in text(officer.get("/console/"))
    _nothing_recorded(app, before)


def test_an_upload_without_the_form_s_security_field_is_refused(app, admin) -> None:
    browser, _who = admin
    before = table_counts(app)

    answer = browser.client.post(
        "/console/import", data={"file": (io.BytesIO(csv_file([row()])), "people.csv")}
    )

    assert answer.status_code == 403
    _nothing_recorded(app, before)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.one_of(
        st.binary(max_size=3000),
        st.text(max_size=2000).map(str.encode),
        st.text(max_size=500).map(lambda t: ("email,purpose," + t).encode("utf-16")),
    ),
    name=st.text(max_size=300),
)
def test_hostile_uploads_are_refused_with_a_page_and_nothing_is_imported(
    app, admin, content: bytes, name: str
) -> None:
    browser, _who = admin
    before = table_counts(app)

    answer = upload(browser, content, name or "x.csv")

    assert 400 <= answer.status_code < 500
    assert answer.mimetype == "text/html"
    _nothing_recorded(app, before)


def test_a_stale_running_job_is_shown_interrupted_in_the_list(app, admin, clock) -> None:
    browser, who = admin
    job = import_jobs.new_job(who.account.id, "old.csv", 3, START - timedelta(hours=1))
    with app.extensions["consent.sessions"]() as session, session.begin():
        SqlImportJobStore(SqlRepository(session)).add_job(job)

    listed = text(browser.get("/console/import"))

    assert f'id="import-{job.id}"' in listed and ">Interrupted<" in listed

"""`/console/import`: upload a CSV of people and their consents, watch it being imported,
download the rejection report; for whoever holds `imports:write` (administrators).

The file is checked whole before anything is written (UTF-8, CSV, an import's header, at most
MAX_BYTES), as `consent import` checks it; then a job is recorded (with the upload in the
console audit log) and the rows are applied in a thread of this process by the same Importer,
a batch at a time, with `console:<user id>` as the ledger's actor. The job's progress is in
the database, so any registry process draws its page; the page's counts refresh by themselves
(static/console.js) and a plain reload shows the same. Decision 0046.
"""

import csv
import io
import threading
import uuid
from collections.abc import Callable
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.import_job_store import SqlImportJobStore
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.console import sessions
from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.pages import forbidden, fragment, render
from consent_service.domain.import_jobs import ImportJob, JobState
from consent_service.domain.staff.accounts import AuditAction, AuditEntry
from consent_service.faces import clock, csrf
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services import import_files, import_jobs
from consent_service.services.importing import Importer

blueprint = Blueprint("console_imports", __name__, url_prefix="/console/import")
guard(blueprint, forbidden)

IMPORTS_WRITE = "imports:write"
MAX_BYTES = 20 * 1024 * 1024
"""The largest file taken: some 100,000 rows. A larger list is split, or given to
`consent import` on the server."""
FORM_OVERHEAD = 64 * 1024
"""What the multipart form adds around the file (its boundaries, the CSRF field)."""
BATCH_SIZE = 1000
REFRESH_SECONDS = 2


def _too_large() -> Response:
    return _form_page(
        413,
        _(
            "The file is larger than %(size)d MB. Split it into smaller files and upload "
            "them one after the other.",
            size=MAX_BYTES // (1024 * 1024),
        ),
    )


@blueprint.before_request
def _refuse_large() -> Response | None:
    """A body too large is refused before the form is read (and before the CSRF check, which
    reads it)."""
    if request.method != "POST":
        return None
    limit = MAX_BYTES + FORM_OVERHEAD
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        return _too_large()
    return None


csrf.protect(blueprint)


def state_words() -> dict[JobState, str]:
    return {
        JobState.RUNNING: _("Importing"),
        JobState.DONE: _("Done"),
        JobState.FAILED: _("Failed"),
        JobState.INTERRUPTED: _("Interrupted"),
    }


def _form_page(status: int = 200, problem: str | None = None, **context: Any) -> Response:
    with read_only() as registry:
        jobs = SqlImportJobStore(registry).recent_jobs(import_jobs.RECENT)
    return render(
        "console/import.html",
        status,
        title=_("Import"),
        jobs=jobs,
        now=clock.now(),
        states=state_words(),
        problem=problem,
        max_megabytes=MAX_BYTES // (1024 * 1024),
        **context,
    )


@blueprint.get("")
@allow(needs(IMPORTS_WRITE))
def import_form() -> Response:
    """The upload form and the recent imports."""
    return _form_page()


def _file_name(given: str | None) -> str:
    """The upload's own name, without any folder a browser sent, kept short and printable."""
    name = PureWindowsPath(PurePosixPath(given or "").name).name
    name = "".join(character for character in name if character.isprintable())
    return name[:200] or "import.csv"


def _text(data: bytes) -> str | None:
    """The file as text, or None if it is not UTF-8 text (a spreadsheet's byte-order mark is
    fine)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _opener(text: str) -> import_files.Opener:
    return lambda: io.StringIO(text, newline="")


@blueprint.post("")
@allow(needs(IMPORTS_WRITE))
def upload() -> Response | WerkzeugResponse:
    """Check the file, record the job, start it, and show its page."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _form_page(422, _("Choose a CSV file to upload."))
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return _too_large()
    text = _text(data)
    not_csv = _(
        "This is not a CSV file in UTF-8. Save the list from your spreadsheet as “CSV UTF-8” "
        "and upload it again."
    )
    if text is None:
        return _form_page(422, not_csv)
    try:
        header, total = import_files.check(_opener(text))
    except import_files.NotCsv:
        return _form_page(422, not_csv)
    except import_files.BadHeader as error:
        return _form_page(
            422,
            _("The first row must name the columns of an import; nothing was imported."),
            details=error.problems,
        )
    visit = signed_in()
    job = import_jobs.new_job(visit.account.id, _file_name(upload.filename), total, clock.now())

    def record(registry: Any) -> None:
        SqlImportJobStore(registry).add_job(job)
        SqlStaffStore(registry).record(
            AuditEntry(
                job.started_at,
                visit.account.id,
                AuditAction.IMPORT_STARTED,
                f"import:{job.id}",
                sessions.client_address(),
                {"file_name": job.file_name, "rows": total},
            )
        )

    in_transaction(record)
    _start(job.id, visit.name, header, text)
    return redirect(url_for("console_imports.job", job_id=job.id), 303)


def _start(job_id: uuid.UUID, actor: str, header: list[str], text: str) -> None:
    """Run the import in a thread of this process (decision 0046)."""
    settings = sessions.settings()
    uow = SqlUnitOfWork(current_app.extensions["consent.sessions"])
    importer = Importer(
        uow,
        actor=actor,
        default_locale=settings.default_locale,
        secret_keys=(settings.secret_key, *settings.previous_secret_keys),
        batch_size=BATCH_SIZE,
    )
    now: Callable[[], Any] = clock.now

    def work() -> None:
        rows = import_files.numbered_rows(_opener(text), header)
        import_jobs.run(uow, SqlImportJobStore, importer, job_id, rows, now)

    threading.Thread(target=work, name=f"import-{job_id}", daemon=True).start()


def _job_or_404(job_id: uuid.UUID) -> ImportJob:
    with read_only() as registry:
        found = SqlImportJobStore(registry).job(job_id)
    if found is None:
        abort(404)
    return found


def _job_context(job: ImportJob) -> dict[str, Any]:
    state = job.shown_state(clock.now())
    return {"job": job, "state": state, "state_word": state_words()[state]}


@blueprint.get("/<uuid:job_id>")
@allow(needs(IMPORTS_WRITE))
def job(job_id: uuid.UUID) -> Response:
    """The job's progress, then its counts and the rejection report."""
    found = _job_or_404(job_id)
    return render(
        "console/import_job.html",
        title=_("Import of %(file)s", file=found.file_name),
        refresh=REFRESH_SECONDS,
        **_job_context(found),
    )


@blueprint.get("/<uuid:job_id>/part")
@allow(needs(IMPORTS_WRITE))
def job_part(job_id: uuid.UUID) -> Response:
    """The job's progress, for the page's live refresh."""
    return fragment("console/_import_progress.html", **_job_context(_job_or_404(job_id)))


@blueprint.get("/<uuid:job_id>/rejected.csv")
@allow(needs(IMPORTS_WRITE))
def rejection_report(job_id: uuid.UUID) -> Response:
    """Each rejected row's line in the file and the codes of its reasons (docs/import.md)."""
    found = _job_or_404(job_id)
    with read_only() as registry:
        rejected = SqlImportJobStore(registry).rejections(job_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "reason"])
    writer.writerows(rejected)
    stem = PurePosixPath(found.file_name).stem or "import"
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in stem)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}.rejected.csv"'
    return response

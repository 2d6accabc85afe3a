"""Helpers of the campaign-run tests: settings, a seeded view, registry stand-ins, ledger reads.

The view is seeded in bulk with plain INSERTs (a run of thousands must not take thousands of
transactions to set up); everything the tests then prove goes through the real services.
"""

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from mailer.adapters import orm
from mailer.adapters.email import make_backend
from mailer.adapters.repository import MailerTransaction
from mailer.config import FrequencyCap, SendingSettings
from mailer.domain.events import Contact, PurposeState, Snapshot
from mailer.domain.outgoing import EmailBackend, Outcome, Outgoing
from mailer.services.apply import apply_message
from mailer.services.sending.sender import Sender
from plumbing.shop import Shop
from schemas.messages import load_message
from tests.mailer import factories

SETTINGS = SendingSettings(
    backend="file",
    batch_size=10,
    send_rate=0,
    frequency_cap=None,
    sender="news@example.kg",
    shop=Shop(
        "Аю Дүкөн",
        "privacy@ayu.kg",
        legal_name="Ayu Dukon LLC",
        postal_address="Бишкек ш., Манас пр. 7",
    ),
    public_base_url="http://127.0.0.1:8000",
    default_locale="ky",
    secret_key="test-secret",
    sendgrid_api_key=None,
    sendgrid_host=None,
    smtp_url=None,
)


def settings(**changes: Any) -> SendingSettings:
    """The tests' sending settings (file backend, batches of 10, no throttle, no cap)."""
    return replace(SETTINGS, **changes)


def weekly(emails: int) -> FrequencyCap:
    return FrequencyCap(emails, timedelta(days=7))


def seed(
    unit_of_work: MailerTransaction,
    count: int,
    purpose: str = "newsletters",
    status: str = "granted",
    version: int = 1,
    locale: str = "ky",
) -> list[uuid.UUID]:
    """`count` recipients in the view with `purpose` at `status`; their ids in id order."""
    ids = sorted(uuid.uuid4() for _ in range(count))
    now = datetime.now(UTC)
    with unit_of_work() as store:
        store.session.execute(
            insert(orm.Recipient),
            [
                {
                    "subject_id": subject_id,
                    "email": f"r{subject_id.hex[:12]}@example.kg",
                    "locale": locale,
                    "name": None,
                    "version": version,
                    "contact_version": version,
                    "updated_at": now,
                }
                for subject_id in ids
            ],
        )
        store.session.execute(
            insert(orm.RecipientConsent),
            [
                {"subject_id": i, "purpose": purpose, "status": status, "version": version}
                for i in ids
            ],
        )
    return ids


def apply(unit_of_work: MailerTransaction, body: dict[str, Any]) -> str:
    with unit_of_work() as store:
        return apply_message(store, load_message(body))


def request_run(
    unit_of_work: MailerTransaction,
    purpose: str = "newsletters",
    campaign_id: uuid.UUID | None = None,
    **content: Any,
) -> uuid.UUID:
    """A `campaign.run_requested/1` applied as the consumer would; the run's id."""
    body = factories.run_requested(campaign_id=campaign_id, purpose=purpose, **content)
    assert apply(unit_of_work, body) == "applied"
    return uuid.UUID(body["run_id"])


def run_row(unit_of_work: MailerTransaction, run_id: uuid.UUID) -> orm.Run:
    with unit_of_work() as store:
        return store.session.get(orm.Run, run_id)


def counts(run: orm.Run) -> dict[str, int]:
    return {
        name: getattr(run, name)
        for name in (
            "recipients",
            "sent",
            "skipped_withdrawn",
            "skipped_capped",
            "failed",
            "unknown",
        )
    }


def ledger(unit_of_work: MailerTransaction, run_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """Each recipient's state in the run's send ledger."""
    query = select(orm.Delivery.subject_id, orm.Delivery.state).where(orm.Delivery.run_id == run_id)
    with unit_of_work() as store:
        return dict(store.session.execute(query).all())


def ledger_states(unit_of_work: MailerTransaction, run_id: uuid.UUID) -> Counter[str]:
    return Counter(ledger(unit_of_work, run_id).values())


def batch_states(unit_of_work: MailerTransaction, run_id: uuid.UUID) -> Counter[str]:
    query = (
        select(orm.Batch.state, func.count())
        .where(orm.Batch.run_id == run_id)
        .group_by(orm.Batch.state)
    )
    with unit_of_work() as store:
        return Counter(dict(store.session.execute(query).all()))


class HandClock:
    """The sender's clock for a test: the real time moved `ahead`, and a monotonic time the
    test sets by hand (`seconds`), or the real one if None."""

    def __init__(self, ahead: timedelta = timedelta(0), seconds: float | None = None) -> None:
        self.ahead = ahead
        self.seconds = seconds

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def monotonic(self) -> float:
        return time.monotonic() if self.seconds is None else self.seconds


def drive(sender: Sender, limit: int = 10_000) -> int:
    """Step a sender's campaign work and its confirmations until it finds nothing to do; how
    many busy steps it took."""
    for steps in range(limit):
        busy = sender.step()
        if not (sender.send_confirmations() > 0 or busy):
            return steps
    raise AssertionError("the sender never ran out of work")


# Email backends: the real file backend, and what the outbox holds.


def file_backend(instance: Path, sending: SendingSettings = SETTINGS) -> EmailBackend:
    return make_backend(sending, instance)


@dataclass(frozen=True)
class Written:
    """One `.eml` the file backend wrote."""

    category: str
    subject_id: uuid.UUID
    run_id: str | None
    to: str
    headers: Mapping[str, str]


def outbox(instance: Path) -> list[Written]:
    """Every message the file backend wrote under `<instance>/outbox/`."""
    written = []
    for path in sorted((instance / "outbox").glob("*.eml")):
        message = message_from_bytes(path.read_bytes())
        parts = path.stem.split("_")
        run_id = parts[1] if len(parts) == 4 else None
        written.append(
            Written(parts[0], uuid.UUID(parts[-2]), run_id, message["To"], dict(message.items()))
        )
    return written


def emails_per_subject(instance: Path, run_id: uuid.UUID) -> Counter[uuid.UUID]:
    return Counter(w.subject_id for w in outbox(instance) if w.run_id == str(run_id))


class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the worker catches it."""


class KilledAfter:
    """The real backend, except that the process "dies" at its call number `calls + 1`."""

    def __init__(self, backend: EmailBackend, calls: int, max_envelopes: int) -> None:
        self.backend, self.calls = backend, calls
        self.max_envelopes = max_envelopes

    def send(self, outgoing: Outgoing) -> list[Outcome]:
        if self.calls == 0:
            raise Killed
        self.calls -= 1
        return self.backend.send(outgoing)


@dataclass
class RecordingBackend:
    """A stand-in backend for the sender's own logic: records calls, answers `answer`."""

    max_envelopes: int = 1000
    answer: Callable[[uuid.UUID], Outcome | None] = lambda subject_id: Outcome(subject_id, "sent")
    """The outcome for each envelope; None leaves it out of the answer (a broken backend)."""
    calls: list[Outgoing] = field(default_factory=list)

    def send(self, outgoing: Outgoing) -> list[Outcome]:
        self.calls.append(outgoing)
        answers = (self.answer(envelope.subject_id) for envelope in outgoing.envelopes)
        return [outcome for outcome in answers if outcome is not None]

    @property
    def handed(self) -> Counter[uuid.UUID]:
        return Counter(e.subject_id for call in self.calls for e in call.envelopes)


# The registry's fence.


class MirrorRegistryClient:
    """The registry's client, for a registry that agrees with the view except for the
    records a test gives it.

    `versions` answers the view's own versions (so the fence finds nothing to fetch) with
    `records` on top; `forgotten` ids are ones the registry no longer holds at all;
    `suppressed` ids hold an address on the suppression list.
    `on_versions` runs just before an answer (to change something mid-batch).
    """

    def __init__(self, unit_of_work: MailerTransaction) -> None:
        self.unit_of_work = unit_of_work
        self.records: dict[uuid.UUID, Snapshot] = {}
        self.forgotten: set[uuid.UUID] = set()
        self.suppressed: set[uuid.UUID] = set()
        self.on_versions: Callable[[], None] | None = None
        self.asked: list[list[uuid.UUID]] = []
        self.fetched: list[list[uuid.UUID]] = []

    def withdraw(self, subject_id: uuid.UUID, version: int, purpose: str = "newsletters") -> None:
        self.records[subject_id] = Snapshot(
            subject_id,
            version,
            contact=Contact(f"r{subject_id.hex[:12]}@example.kg", "ky", None),
            consents={purpose: PurposeState("withdrawn", version)},
        )

    def versions(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        self.asked.append(list(ids))
        if self.on_versions:
            self.on_versions()
        with self.unit_of_work() as store:
            held = store.versions(ids)
        held |= {i: s.version for i, s in self.records.items() if i in set(ids)}
        return {i: v for i, v in held.items() if i not in self.forgotten}

    def fence_versions(
        self, ids: Sequence[uuid.UUID], purpose: str
    ) -> dict[uuid.UUID, tuple[int, int, bool]]:
        held = self.versions(ids)
        with self.unit_of_work() as store:
            of_purpose = store.purpose_versions(ids, purpose)
        for subject_id, record in self.records.items():
            if subject_id in held and purpose in record.consents:
                of_purpose[subject_id] = record.consents[purpose].version
        return {i: (v, of_purpose.get(i, 0), i in self.suppressed) for i, v in held.items()}

    def subjects(self, ids: Sequence[uuid.UUID]) -> list[Snapshot]:
        self.fetched.append(list(ids))
        return [self.records[i] for i in ids if i in self.records]


def listed(snapshot: Snapshot) -> dict[str, Any]:
    """A snapshot as the registry's sync endpoints list it."""
    return {
        "subject_id": str(snapshot.subject_id),
        "version": snapshot.version,
        "erased": snapshot.erased,
        "email": snapshot.contact.email,
        "locale": snapshot.contact.locale,
        "name": snapshot.contact.name,
        "consents": {
            p: {"status": s.status, "version": s.version} for p, s in snapshot.consents.items()
        },
    }


@contextmanager
def registry_stub(records: Callable[[], Mapping[uuid.UUID, Snapshot]]) -> Iterator[str]:
    """A real HTTP server answering `POST /v1/sync/versions` and `/v1/sync/subjects` from
    `records()`, as the registry does; yields its base URL."""

    @Request.application
    def app(request: Request) -> Response:
        held = records()
        body = json.loads(request.get_data())
        asked = [uuid.UUID(i) for i in body["subject_ids"]]
        if request.path == "/v1/sync/versions":
            answer = {"versions": {str(i): held[i].version for i in asked if i in held}}
            if "purpose" in body:
                answer["purposes"] = {
                    str(i): held[i].consents[body["purpose"]].version
                    for i in asked
                    if i in held and body["purpose"] in held[i].consents
                }
        elif request.path == "/v1/sync/subjects":
            answer = {"subjects": [listed(held[i]) for i in asked if i in held]}
        else:
            return Response(status=404)
        return Response(json.dumps(answer), mimetype="application/json")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def snapshots_of_view(unit_of_work: MailerTransaction, purpose: str = "newsletters") -> dict:
    """The view as registry snapshots: what a registry in step with the mailer would hold."""
    with unit_of_work() as store:
        views = list(store.views(uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)))
    return {
        view.subject_id: Snapshot(
            view.subject_id,
            view.recipient.version,
            contact=view.recipient.contact,
            consents=dict(view.recipient.consents),
        )
        for view in views
        if view.recipient is not None
    }

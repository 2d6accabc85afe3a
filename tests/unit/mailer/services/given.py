"""What the fast service tests start from and look at: a view, runs, a sender, the ledger.

The view is put straight into the fake's tables; everything a test then proves goes through
the services, as `mailer work` would call them.
"""

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from mailer.config import FrequencyCap, SendingSettings
from mailer.domain.events import Contact, PurposeState, Snapshot
from mailer.domain.recipients import Recipient, SubjectView
from mailer.domain.runs import RunRecord
from mailer.services.apply import Result, apply_message
from mailer.services.meters import NO_METER, Meter
from mailer.services.sending.ports import Composer
from mailer.services.sending.sender import Sender
from plumbing.shop import Shop
from schemas.messages import load_message
from tests.fakes.mailer.outside import (
    FakeBackend,
    FakeClock,
    FakeComposer,
    FakeRegistryClient,
    FakeSink,
    FakeThrottle,
)
from tests.fakes.mailer.store import FakeDatabase
from tests.fakes.mailer.tables import RunRow
from tests.mailer import factories

SETTINGS = SendingSettings(
    backend="file",
    batch_size=10,
    send_rate=0,
    frequency_cap=None,
    sender="news@example.kg",
    shop=Shop("Аю Дүкөн", "privacy@ayu.kg"),
    public_base_url="http://127.0.0.1:8000",
    default_locale="ky",
    secret_key="test-secret",
    sendgrid_api_key=None,
    sendgrid_host=None,
    smtp_url=None,
)


def settings(**changes: Any) -> SendingSettings:
    """Batches of 10, no throttle, no cap, unless changed."""
    return replace(SETTINGS, **changes)


def address(subject_id: uuid.UUID) -> str:
    return f"r{subject_id.hex[:12]}@example.kg"


def recipient(
    subject_id: uuid.UUID,
    purpose: str = "newsletters",
    status: str = "granted",
    version: int = 1,
    *,
    has_address: bool = True,
    suppressed: bool = False,
) -> SubjectView:
    """A recipient holding one purpose at `status`; its address made up from its id."""
    contact = Contact(address(subject_id) if has_address else None, "ky", None)
    consents = {purpose: PurposeState(status, version)}
    held = Recipient(subject_id, version, contact, version, consents, suppressed)
    return SubjectView(subject_id, held)


def seed(database: FakeDatabase, count: int, **kinds: Any) -> list[uuid.UUID]:
    """`count` recipients in the view (see `recipient`); their ids in id order."""
    ids = sorted(uuid.uuid4() for _ in range(count))
    for subject_id in ids:
        database.tables.views[subject_id] = recipient(subject_id, **kinds)
    return ids


def snapshot_of(view: SubjectView, **changes: Any) -> Snapshot:
    """The registry's record of a subject as the view holds it, with `changes`."""
    assert view.recipient is not None
    held = view.recipient
    return replace(
        Snapshot(
            view.subject_id,
            held.version,
            contact=held.contact,
            consents=dict(held.consents),
            suppressed=held.suppressed,
        ),
        **changes,
    )


def registry_agreeing(database: FakeDatabase) -> FakeRegistryClient:
    """A registry holding exactly what the view holds."""
    return FakeRegistryClient(
        *(snapshot_of(v) for v in database.tables.views.values() if v.recipient is not None)
    )


def withdrawn(view: SubjectView, version: int, purpose: str = "newsletters") -> Snapshot:
    return snapshot_of(
        view, version=version, consents={purpose: PurposeState("withdrawn", version)}
    )


def apply(database: FakeDatabase, body: dict[str, Any], clock: FakeClock | None = None) -> Result:
    with database() as store:
        return apply_message(store, load_message(body), clock.now() if clock else None)


def request_run(database: FakeDatabase, clock: FakeClock, **run: Any) -> uuid.UUID:
    """A `campaign.run_requested/1` applied as the consumer would; the run's id."""
    body = factories.run_requested(**run)
    assert apply(database, body, clock) == "applied"
    return uuid.UUID(body["run_id"])


def control(
    database: FakeDatabase, clock: FakeClock, campaign_id: uuid.UUID, state: str, version: int
) -> Result:
    return apply(database, factories.campaign_control(campaign_id, state, version), clock)


def make_sender(
    database: FakeDatabase,
    clock: FakeClock,
    *,
    backend: FakeBackend | None = None,
    registry_client: FakeRegistryClient | None = None,
    without_registry: bool = False,
    throttle: FakeThrottle | None = None,
    reports: FakeSink | None = None,
    composer_for: Callable[[RunRecord], Composer] = FakeComposer,
    meter: Meter = NO_METER,
    **changes: Any,
) -> Sender:
    """A sender on the fakes; by default its registry agrees with the view as it is now, and
    `without_registry` it has none (no MAILER_REGISTRY_KEY)."""
    if registry_client is None and not without_registry:
        registry_client = registry_agreeing(database)
    return Sender(
        database,
        backend or FakeBackend(),
        registry_client,
        reports,
        settings(**changes),
        clock=clock,
        throttle=throttle or FakeThrottle(),
        composer_for=composer_for,
        meter=meter,
    )


def drive(sender: Sender, limit: int = 1000) -> int:
    """Step a sender's campaign work and its confirmations until it finds nothing to do."""
    for steps in range(limit):
        busy = sender.step()
        if not (sender.send_confirmations() > 0 or busy):
            return steps
    raise AssertionError("the sender never ran out of work")


def ledger(database: FakeDatabase, run_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """Each recipient's state in the run's send ledger."""
    return {s: row.state for (r, s), row in database.tables.deliveries.items() if r == run_id}


def ledger_states(database: FakeDatabase, run_id: uuid.UUID) -> Counter[str]:
    return Counter(ledger(database, run_id).values())


def batch_states(database: FakeDatabase, run_id: uuid.UUID) -> Counter[str]:
    return Counter(b.state for (r, _), b in database.tables.batches.items() if r == run_id)


def run_row(database: FakeDatabase, run_id: uuid.UUID) -> RunRow:
    return database.tables.runs[run_id]


def weekly(emails: int) -> FrequencyCap:
    return FrequencyCap(emails, timedelta(days=7))

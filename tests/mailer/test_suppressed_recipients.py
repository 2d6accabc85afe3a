"""A suppressed address gets no campaign email (SPEC section 4), whatever its consents say.

The flag follows the address: set by `subject.updated/1` with `suppressed`, kept by later
facts about the same address, lifted by a move to another address, and corrected by the
send-time fence when the registry's answer disagrees with the view.
"""

import uuid
from pathlib import Path

from sqlalchemy import select

from mailer.adapters import orm
from mailer.domain import recipients
from mailer.domain.events import Contact, ContactUpdated, Fact, PurposeState, Snapshot
from mailer.domain.recipients import Recipient, SubjectView
from mailer.services.apply import fact_from
from mailer.services.sending.sender import Sender
from schemas.messages import load_message
from tests.mailer import factories
from tests.mailer.runs import (
    MirrorRegistryClient,
    apply,
    counts,
    drive,
    emails_per_subject,
    file_backend,
    ledger,
    request_run,
    run_row,
    seed,
    settings,
    snapshots_of_view,
)

SUBJECT = uuid.uuid4()
AIGUL = Contact("aigul@example.kg", "ky", None)


def suppressed_update(subject_id: uuid.UUID, version: int, email: str) -> dict:
    return factories.subject_updated(subject_id, version, email=email) | {
        "changed": ["suppressed"],
        "suppressed": True,
    }


def held(contact: Contact = AIGUL, version: int = 2, suppressed: bool = True) -> SubjectView:
    recipient = Recipient(
        SUBJECT,
        version,
        contact,
        version,
        {"newsletters": PurposeState("granted", 1)},
        suppressed=suppressed,
    )
    return SubjectView(SUBJECT, recipient)


def after(view: SubjectView, fact: Fact) -> bool:
    changed, _ = recipients.apply(view, fact)
    assert changed.recipient is not None
    return changed.recipient.suppressed


def test_the_suppression_message_marks_the_address() -> None:
    fact = fact_from(load_message(suppressed_update(SUBJECT, 3, AIGUL.email or "")))
    assert after(held(suppressed=False), fact) is True


def test_a_suppression_survives_later_facts_about_the_same_address() -> None:
    consent = factories.consent_changed(SUBJECT, 3, purpose="promotions", email="Aigul@example.kg")
    assert after(held(), fact_from(load_message(consent))) is True
    assert after(held(), ContactUpdated(SUBJECT, 3, Contact("AIGUL@example.kg", "ru", None)))


def test_a_move_to_another_address_lifts_the_suppression() -> None:
    moved = ContactUpdated(SUBJECT, 3, Contact("aigul.new@example.kg", "ky", None))
    assert after(held(), moved) is False


def test_a_snapshot_at_the_held_version_corrects_the_flag_but_an_older_one_does_not() -> None:
    consents = {"newsletters": PurposeState("granted", 1)}
    current = Snapshot(SUBJECT, 2, contact=AIGUL, consents=consents, suppressed=True)
    assert after(held(suppressed=False), current) is True
    lifted = Snapshot(SUBJECT, 2, contact=AIGUL, consents=consents, suppressed=False)
    assert after(held(suppressed=True), lifted) is False
    older = Snapshot(SUBJECT, 1, contact=AIGUL, consents=consents, suppressed=True)
    assert after(held(suppressed=False), older) is False


def test_a_suppressed_recipient_is_skipped_and_counted_while_the_others_are_emailed(
    unit_of_work, tmp_path: Path
) -> None:
    ids = seed(unit_of_work, 3)
    bounced = ids[1]
    assert apply(unit_of_work, suppressed_update(bounced, 2, f"r{bounced.hex[:12]}@example.kg"))
    run_id = request_run(unit_of_work)
    registry_client = MirrorRegistryClient(unit_of_work)
    registry_client.suppressed.add(bounced)
    instance = tmp_path / "instance"

    drive(Sender(unit_of_work, file_backend(instance), registry_client, None, settings()))

    assert set(emails_per_subject(instance, run_id)) == {ids[0], ids[2]}
    assert ledger(unit_of_work, run_id)[bounced] == "skipped_withdrawn"
    assert counts(run_row(unit_of_work, run_id)) | {"recipients": 3} == {
        "recipients": 3,
        "sent": 2,
        "skipped_withdrawn": 1,
        "skipped_capped": 0,
        "failed": 0,
        "unknown": 0,
    }
    query = select(orm.Delivery.reason).where(orm.Delivery.subject_id == bounced)
    with unit_of_work() as store:
        assert store.session.execute(query).scalar_one() == "suppressed"


def test_the_fence_learns_a_suppression_that_moved_no_version(unit_of_work, tmp_path: Path) -> None:
    """The address bounced before its holder signed up: no version of theirs says so."""
    ids = seed(unit_of_work, 2)
    run_id = request_run(unit_of_work)
    registry_client = MirrorRegistryClient(unit_of_work)
    view = snapshots_of_view(unit_of_work)
    registry_client.records[ids[0]] = Snapshot(
        ids[0], 1, contact=view[ids[0]].contact, consents=view[ids[0]].consents, suppressed=True
    )
    registry_client.suppressed.add(ids[0])
    instance = tmp_path / "instance"

    drive(Sender(unit_of_work, file_backend(instance), registry_client, None, settings()))

    assert set(emails_per_subject(instance, run_id)) == {ids[1]}
    assert ledger(unit_of_work, run_id)[ids[0]] == "skipped_withdrawn"
    with unit_of_work() as store:
        assert store.suppressed_among(ids) == {ids[0]}

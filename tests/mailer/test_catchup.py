"""Catch-up against a registry stand-in: which buckets it fetches and how it repairs them."""

import uuid

from mailer.domain.events import Contact, PurposeState, Snapshot
from mailer.services.apply import apply_message
from mailer.services.catchup import catch_up
from plumbing.catch_up import SubjectState, bucket_digests, bucket_of
from schemas.messages import load_message
from tests.mailer import factories

CONTACT = Contact("aigul@example.kg", "ky", "Aigul")


class FakeRegistryClient:
    """Answers digests and listings from snapshots, with the shared hashing helpers."""

    def __init__(self, *snapshots: Snapshot, on_listing=None) -> None:
        self.snapshots = list(snapshots)
        self.fetched: list[str] = []
        self.on_listing = on_listing

    def digests(self) -> dict[str, str]:
        return bucket_digests(
            SubjectState(
                str(s.subject_id),
                s.version,
                s.erased,
                {p: (c.status, c.version) for p, c in s.consents.items()},
            )
            for s in self.snapshots
        )

    def bucket(self, bucket: str) -> list[Snapshot]:
        self.fetched.append(bucket)
        if self.on_listing:
            self.on_listing()
        return [s for s in self.snapshots if bucket_of(str(s.subject_id)) == bucket]


def subject_in(bucket: str) -> uuid.UUID:
    return uuid.UUID(bucket + uuid.uuid4().hex[2:])


def snapshot(subject_id: uuid.UUID, version: int = 2, **consents: tuple[str, int]) -> Snapshot:
    states = {p: PurposeState(*c) for p, c in consents.items()} or {
        "newsletters": PurposeState("granted", 1),
        "personalization": PurposeState("granted", 2),
    }
    return Snapshot(subject_id, version, contact=CONTACT, consents=states)


def apply(unit_of_work, body: dict) -> str:
    with unit_of_work() as store:
        return apply_message(store, load_message(body))


def view(unit_of_work, subject_id: uuid.UUID):
    with unit_of_work() as store:
        return store.load(subject_id)


def test_catch_up_fills_in_missed_subjects_then_finds_nothing_to_do(unit_of_work) -> None:
    ids = [subject_in("00"), subject_in("00"), subject_in("a7")]
    registry_client = FakeRegistryClient(*(snapshot(i) for i in ids))
    report = catch_up(unit_of_work, registry_client)
    assert (report.buckets_checked, report.buckets_differing, report.subjects_repaired) == (
        256,
        2,
        3,
    )
    assert registry_client.fetched == ["00", "a7"]
    assert view(unit_of_work, ids[2]).recipient.contact == CONTACT
    again = catch_up(unit_of_work, registry_client)
    assert (again.buckets_differing, again.subjects_repaired) == (0, 0)


def test_catch_up_completes_a_recipient_that_missed_one_change(unit_of_work) -> None:
    subject_id = subject_in("10")
    apply(unit_of_work, factories.consent_changed(subject_id, 1, "newsletters", "granted"))
    registry_client = FakeRegistryClient(
        snapshot(subject_id, 3, newsletters=("withdrawn", 3), personalization=("granted", 2))
    )
    assert catch_up(unit_of_work, registry_client).subjects_repaired == 1
    recipient = view(unit_of_work, subject_id).recipient
    assert recipient.consents == {
        "newsletters": PurposeState("withdrawn", 3),
        "personalization": PurposeState("granted", 2),
    }
    assert recipient.version == 3


def test_catch_up_removes_a_recipient_the_registry_does_not_have(unit_of_work) -> None:
    stray = subject_in("20")
    apply(unit_of_work, factories.consent_changed(stray, 1))
    assert catch_up(unit_of_work, FakeRegistryClient()).subjects_repaired == 1
    assert view(unit_of_work, stray).recipient is None


def test_catch_up_erases_a_subject_whose_erasure_was_missed(unit_of_work) -> None:
    subject_id = subject_in("30")
    apply(unit_of_work, factories.consent_changed(subject_id, 1))
    catch_up(unit_of_work, FakeRegistryClient(Snapshot(subject_id, 4, erased=True)))
    assert view(unit_of_work, subject_id).recipient is None
    assert view(unit_of_work, subject_id).erased_version == 4
    assert apply(unit_of_work, factories.consent_changed(subject_id, 3)) == "stale"


def test_catch_up_never_moves_a_purpose_back_to_an_older_version(unit_of_work) -> None:
    subject_id = subject_in("40")
    apply(unit_of_work, factories.consent_changed(subject_id, 6, "newsletters", "withdrawn"))
    catch_up(unit_of_work, FakeRegistryClient(snapshot(subject_id, 5, newsletters=("granted", 5))))
    assert view(unit_of_work, subject_id).recipient.consents["newsletters"].status == "withdrawn"


def test_a_recipient_that_arrives_while_catching_up_is_kept(unit_of_work) -> None:
    """The registry answered before this subject existed; the event came meanwhile."""
    newcomer = subject_in("50")
    registry_client = FakeRegistryClient(
        snapshot(subject_in("50")),
        on_listing=lambda: apply(unit_of_work, factories.consent_changed(newcomer, 1)),
    )
    catch_up(unit_of_work, registry_client)
    assert view(unit_of_work, newcomer).recipient is not None

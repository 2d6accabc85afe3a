"""Catch-up's decisions: which buckets it fetches, what it repairs, what it must leave alone."""

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.domain.events import Contact, PurposeState, Snapshot
from mailer.services.catchup import catch_up, local_digests
from tests.fakes.mailer.outside import FakeRegistryClient
from tests.fakes.mailer.store import FakeDatabase
from tests.mailer import factories
from tests.unit.mailer.services.given import apply

CONTACT = Contact("aigul@example.kg", "ky", "Aigul")


def subject_in(bucket: str) -> uuid.UUID:
    return uuid.UUID(bucket + uuid.uuid4().hex[2:])


def snapshot(subject_id: uuid.UUID, version: int = 2, **consents: tuple[str, int]) -> Snapshot:
    states = {p: PurposeState(*c) for p, c in consents.items()} or {
        "newsletters": PurposeState("granted", 1),
        "personalization": PurposeState("granted", 2),
    }
    return Snapshot(subject_id, version, contact=CONTACT, consents=states)


def view(database: FakeDatabase, subject_id: uuid.UUID):
    with database() as store:
        return store.load(subject_id)


def test_catch_up_fetches_only_differing_buckets_then_finds_nothing_to_do(database) -> None:
    ids = [subject_in("00"), subject_in("00"), subject_in("a7")]
    registry_client = FakeRegistryClient(*(snapshot(i) for i in ids))

    report = catch_up(database, registry_client)

    assert (report.buckets_checked, report.buckets_differing, report.subjects_repaired) == (
        256,
        2,
        3,
    )
    assert registry_client.buckets_fetched == ["00", "a7"]
    assert view(database, ids[2]).recipient.contact == CONTACT
    again = catch_up(database, registry_client)
    assert (again.buckets_differing, again.subjects_repaired) == (0, 0)


def test_catch_up_completes_a_recipient_that_missed_a_change(database) -> None:
    subject_id = subject_in("10")
    apply(database, factories.consent_changed(subject_id, 1, "newsletters", "granted"))
    registry_client = FakeRegistryClient(
        snapshot(subject_id, 3, newsletters=("withdrawn", 3), personalization=("granted", 2))
    )
    assert catch_up(database, registry_client).subjects_repaired == 1
    assert view(database, subject_id).recipient.consents == {
        "newsletters": PurposeState("withdrawn", 3),
        "personalization": PurposeState("granted", 2),
    }


def test_catch_up_forgets_a_recipient_the_registry_does_not_hold(database) -> None:
    stray = subject_in("20")
    apply(database, factories.consent_changed(stray, 1))
    assert catch_up(database, FakeRegistryClient()).subjects_repaired == 1
    assert view(database, stray).recipient is None


def test_catch_up_applies_a_missed_erasure_and_later_events_stay_out(database) -> None:
    subject_id = subject_in("30")
    apply(database, factories.consent_changed(subject_id, 1))
    catch_up(database, FakeRegistryClient(Snapshot(subject_id, 4, erased=True)))
    assert (view(database, subject_id).recipient, view(database, subject_id).erased_version) == (
        None,
        4,
    )
    assert apply(database, factories.consent_changed(subject_id, 3)) == "stale"


def test_catch_up_never_moves_a_purpose_back_to_an_older_version(database) -> None:
    subject_id = subject_in("40")
    apply(database, factories.consent_changed(subject_id, 6, "newsletters", "withdrawn"))
    catch_up(database, FakeRegistryClient(snapshot(subject_id, 5, newsletters=("granted", 5))))
    assert view(database, subject_id).recipient.consents["newsletters"].status == "withdrawn"


def test_a_recipient_whose_first_event_arrives_while_catching_up_is_kept(database) -> None:
    newcomer = subject_in("50")
    registry_client = FakeRegistryClient(snapshot(subject_in("50")))

    def meanwhile() -> None:
        if registry_client.buckets_fetched and not database.tables.views:
            apply(database, factories.consent_changed(newcomer, 1))

    registry_client.on_answer = meanwhile
    catch_up(database, registry_client)
    assert view(database, newcomer).recipient is not None


@settings(max_examples=30)
@given(
    held=st.lists(st.integers(min_value=1, max_value=5), max_size=6),
    registry=st.lists(st.integers(min_value=0, max_value=5), max_size=6),
)
def test_after_catch_up_the_views_digests_equal_the_registrys(held, registry) -> None:
    """Whatever the view holds of a few subjects and however the registry holds them newer
    (0: erased) or not at all, one catch-up makes the two agree."""
    database = FakeDatabase()
    ids = [subject_in("6" + str(n)) for n in range(max(len(held), len(registry)))]
    for subject_id, version in zip(ids, held, strict=False):
        apply(database, factories.consent_changed(subject_id, version))
    listed = [
        Snapshot(i, 9, erased=True) if v == 0 else snapshot(i, 5 + v, newsletters=("granted", 5))
        for i, v in zip(ids, registry, strict=False)
    ]
    registry_client = FakeRegistryClient(*listed)

    catch_up(database, registry_client)

    assert local_digests(database) == registry_client.digests()

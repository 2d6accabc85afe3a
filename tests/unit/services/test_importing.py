"""The import's row decisions through the service, a batch per transaction: new people,
repeats, refusals, an order of decisions, and a race on a new address."""

from collections.abc import Iterable

import pytest

from consent_service.domain.emails import email_key
from consent_service.domain.suppression import SuppressionReason
from consent_service.services import audit
from consent_service.services.importing import Importer
from consent_service.services.ports import WriteConflict
from consent_service.services.suppressions import suppress
from tests.fakes.jobs import FakeImportBatch
from tests.fakes.registry import FakeRepository
from tests.unit.services.conftest import NOW, POLICY, SECRET
from tests.unit.services.factories import record

EMAIL = "aigul@example.kg"


def row(**changes: str) -> dict[str, str]:
    fields = {
        "email": EMAIL,
        "purpose": "newsletters",
        "status": "granted",
        "consented_at": "2026-11-05T10:00:00Z",
        "source": "checkout",
        "policy_version": POLICY,
    }
    return fields | changes


def run(uow, rows: Iterable[dict[str, str]], batch_size: int = 1000):
    rejected: list[tuple[int, str]] = []
    importer = Importer(
        uow, actor="ops", default_locale="ky", secret_keys=(SECRET,), batch_size=batch_size
    )
    counts = importer.run(
        enumerate(rows, start=2), lambda line, _row, reason: rejected.append((line, reason))
    )
    return counts, rejected


def test_valid_rows_become_subjects_consents_entries_and_messages(uow, tables) -> None:
    rows = [row(), row(email="bakyt@example.kg", purpose="surveys", status="withdrawn")]
    counts, rejected = run(uow, rows)
    assert (counts.imported, counts.subjects_created, rejected) == (2, 2, [])
    subject = next(s for s in tables.subjects.values() if s.email_key == email_key(EMAIL))
    consent = tables.consents[subject.row.id]["newsletters"]
    assert (consent.status, consent.source, consent.updated_at.day) == ("granted", "import", 5)
    [entry] = [e for e in tables.ledger if e.record.subject_id == str(subject.row.id)]
    assert (entry.record.kind, entry.record.actor, entry.evidence["method"]) == (
        "consent",
        "ops",
        "checkout",
    )
    assert [m["schema"] for m in tables.messages()] == ["consent.changed/1"] * 2
    assert audit.verify(FakeRepository(tables), [SECRET]).ok


def test_a_rerun_of_the_same_file_changes_nothing(uow, tables) -> None:
    run(uow, [row()])
    before = (len(tables.ledger), len(tables.outbox))
    counts, _ = run(uow, [row()])
    assert (counts.imported, counts.unchanged) == (0, 1)
    assert (len(tables.ledger), len(tables.outbox)) == before


def test_a_history_in_one_file_is_applied_in_order_and_an_older_row_is_superseded(
    uow, tables
) -> None:
    counts, rejected = run(
        uow,
        [
            row(consented_at="2026-11-02T00:00:00Z"),
            row(status="withdrawn", consented_at="2026-11-03T00:00:00Z"),
            row(consented_at="2026-11-04T00:00:00Z"),
            row(status="withdrawn", consented_at="2026-11-03T12:00:00Z"),
        ],
    )
    assert counts.imported == 3
    assert [line for line, _ in rejected] == [5]
    assert rejected[0][1].startswith("superseded")
    assert [e.record.status for e in tables.ledger] == ["granted", "withdrawn", "granted"]


def test_a_suppressed_address_is_rejected_and_the_rest_of_the_batch_goes_in(uow, tables) -> None:
    with uow.transaction() as registry:
        suppress(registry, SECRET, "Gone@Example.kg", SuppressionReason.HARD_BOUNCE, NOW)
    counts, rejected = run(uow, [row(email="gone@example.kg"), row()])
    assert (counts.imported, counts.rejected) == (1, 1)
    [(line, reason)] = rejected
    assert (line, reason.split(":")[0]) == (2, "suppressed")
    assert "(hard_bounce)" in reason


def test_a_row_the_domain_refuses_is_reported_with_every_reason(uow, tables) -> None:
    counts, rejected = run(uow, [row(email="nobody", purpose="transactions")])
    assert counts.rejected == 1 and tables.subjects == {}
    [(_line, reason)] = rejected
    assert "invalid_email" in reason and "not_consent_purpose" in reason


def test_an_import_continues_the_chain_of_a_subject_recorded_before(uow, tables, links) -> None:
    with uow.transaction() as registry:
        view = record(registry, links, {"personalization": True}, email=EMAIL)
    counts, _ = run(uow, [row()])
    assert (counts.imported, counts.subjects_created) == (1, 0)
    entries = [e for e in tables.ledger if e.record.subject_id == str(view.subject_id)]
    assert [e.record.seq for e in entries] == [1, 2]
    assert tables.subjects[view.subject_id].row.version == 2
    assert audit.verify(FakeRepository(tables), [SECRET]).ok


def test_an_address_created_while_its_batch_runs_is_read_again_not_duplicated(
    uow, tables, links, monkeypatch
) -> None:
    with uow.transaction() as registry:
        record(registry, links, {"surveys": True}, email=EMAIL)
    calls = []
    real = FakeImportBatch.subjects_for_update

    def blind_at_first(store, keys):
        calls.append(keys)  # the first read misses the subject, as if it were created just after
        return {} if len(calls) == 1 else real(store, keys)

    monkeypatch.setattr(FakeImportBatch, "subjects_for_update", blind_at_first)
    counts, _ = run(uow, [row()])
    assert (counts.imported, counts.subjects_created, len(calls)) == (1, 0, 2)
    assert len(tables.subjects) == 1


def test_a_batch_that_keeps_losing_the_race_gives_up(uow, monkeypatch) -> None:
    def always_taken(store, subjects):
        raise WriteConflict("taken")

    monkeypatch.setattr(FakeImportBatch, "add_subjects", always_taken)
    with pytest.raises(WriteConflict):
        run(uow, [row()])

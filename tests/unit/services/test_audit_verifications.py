"""The outcome of a verification is kept, broken or not, with who ran it; the console's
"verify now" is in the console audit log; the console log pages newest first."""

import dataclasses
import uuid
from datetime import timedelta

from consent_service.domain.staff.accounts import AuditAction, AuditEntry, StaffAccount
from consent_service.services import audit, console_log
from consent_service.services.staff_accounts import Acting
from tests.unit.services.conftest import NOW, SECRET
from tests.unit.services.factories import record


class FakeLog:
    """The console audit log: appended to, read newest first by id."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []
        self.people: list[StaffAccount] = []

    def record(self, entry: AuditEntry) -> None:
        self.entries.append(entry)

    def audit_entries_before(self, before: int | None, limit: int) -> list[tuple[int, AuditEntry]]:
        numbered = list(enumerate(self.entries, start=1))[::-1]
        return [(i, e) for i, e in numbered if before is None or i < before][:limit]

    def accounts(self) -> list[StaffAccount]:
        return self.people


def test_a_whole_ledger_verifies_and_the_outcome_is_kept(registry, links) -> None:
    record(registry, links, {"newsletters": True, "personalization": True})

    report, kept = audit.verify_and_record(registry, [SECRET], audit.COMMAND_LINE, NOW)

    assert report.ok and kept.ok
    assert registry.audit.last_verification() == kept
    assert (kept.actor, kept.entries, kept.subjects, kept.problems) == ("cli", 2, 1, 0)


def test_a_broken_ledger_is_kept_as_broken_with_its_findings(registry, links, tables) -> None:
    record(registry, links, {"newsletters": True})
    edited = tables.ledger[0]
    tables.ledger[0] = dataclasses.replace(
        edited, record=dataclasses.replace(edited.record, status="withdrawn")
    )

    _report, kept = audit.verify_and_record(registry, [SECRET], audit.COMMAND_LINE, NOW)

    assert not kept.ok and kept.problems == len(kept.findings) >= 1
    assert "edited" in kept.findings[0]
    assert registry.audit.last_verification() == kept


def test_only_the_first_findings_are_kept_but_all_are_counted(registry, links, tables) -> None:
    for _ in range(audit.KEPT_FINDINGS + 5):
        record(registry, links, {"newsletters": True})
    tables.ledger[:] = [
        dataclasses.replace(e, record=dataclasses.replace(e.record, status="withdrawn"))
        for e in tables.ledger
    ]

    _report, kept = audit.verify_and_record(registry, [SECRET], audit.COMMAND_LINE, NOW)

    assert kept.problems >= audit.KEPT_FINDINGS + 5
    assert len(kept.findings) == audit.KEPT_FINDINGS


def test_verify_now_names_the_person_and_is_in_the_console_audit_log(registry, links) -> None:
    record(registry, links, {"newsletters": True})
    log, officer = FakeLog(), uuid.uuid4()

    kept = audit.verify_now(
        registry, log, Acting(officer, frozenset({"audit:read"}), "203.0.113.9"), [SECRET], NOW
    )

    assert kept.actor == f"console:{officer}"
    [entry] = log.entries
    assert (entry.action, entry.user_id, entry.client_address) == (
        AuditAction.LEDGER_VERIFIED,
        officer,
        "203.0.113.9",
    )
    assert entry.details == {"entries": 1, "problems": 0}


def test_the_state_is_the_last_verification_and_the_last_checkpoint(registry, links) -> None:
    assert audit.state(registry) == audit.AuditState(None, None)
    record(registry, links, {"newsletters": True}, now=NOW - timedelta(hours=1))
    audit.checkpoint(registry, SECRET, NOW)
    _first = audit.verify_and_record(registry, [SECRET], "cli", NOW)
    _report, second = audit.verify_and_record(registry, [SECRET], "cli", NOW + timedelta(1))

    state = audit.state(registry)

    assert state.verification == second
    assert state.checkpoint is not None and state.checkpoint.entry_count == 1


def test_the_console_log_pages_newest_first_by_a_cursor() -> None:
    log = FakeLog()
    for minute in range(5):
        log.record(
            AuditEntry(NOW + timedelta(minutes=minute), None, AuditAction.SIGNED_IN, None, None)
        )

    first = console_log.page(log, None, size=2)
    second = console_log.page(log, first.older, size=2)
    last = console_log.page(log, second.older, size=2)

    assert [i for i, _e in first.entries] == [5, 4]
    assert [i for i, _e in second.entries] == [3, 2]
    assert [i for i, _e in last.entries] == [1] and last.older is None

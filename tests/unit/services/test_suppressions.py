"""The suppression list through the service: keyed hashes only, looked up under every key,
and what stops campaign email."""

import uuid
from datetime import timedelta

import pytest

from consent_service.domain.errors import InvalidEmail
from consent_service.domain.staff.accounts import AuditAction, AuditEntry
from consent_service.domain.suppression import SuppressionReason
from consent_service.services.staff_accounts import Acting
from consent_service.services.suppressions import (
    MAX_WHY,
    NotLiftable,
    NotSuppressed,
    UnknownReason,
    WhyMissing,
    WhyTooLong,
    WhyUnreadable,
    counts_by_reason,
    lift,
    lift_by_staff,
    look_up,
    remember_former_address,
    suppress,
    suppress_every_address,
    suppression_reasons,
    undeliverable,
)
from tests.unit.services.conftest import NOW, SECRET

KEYS = ("current-secret", SECRET)


def test_the_list_holds_keyed_hashes_never_the_address(registry, tables) -> None:
    suppress(registry, SECRET, "Aigul@Example.KG", SuppressionReason.HARD_BOUNCE, NOW)
    [(hashed, reason)] = tables.suppressions
    assert reason == "hard_bounce" and b"aigul" not in hashed.lower()
    assert len(hashed) == 32


def test_an_address_is_found_whatever_its_domain_case_and_under_a_previous_key(registry) -> None:
    suppress(registry, SECRET, "aigul@example.kg", SuppressionReason.ERASED, NOW)
    assert suppression_reasons(registry, KEYS, "aigul@EXAMPLE.kg") == {SuppressionReason.ERASED}
    assert suppression_reasons(registry, ("current-secret",), "aigul@example.kg") == set()


def test_suppressing_again_keeps_one_entry_per_reason(registry, tables) -> None:
    for reason in (
        SuppressionReason.ERASED,
        SuppressionReason.ERASED,
        SuppressionReason.HARD_BOUNCE,
    ):
        suppress(registry, SECRET, "a@example.kg", reason, NOW)
    assert sorted(reason for _hash, reason in tables.suppressions) == ["erased", "hard_bounce"]


def test_lifting_one_reason_leaves_the_others(registry) -> None:
    suppress(registry, SECRET, "a@example.kg", SuppressionReason.ERASED, NOW)
    suppress(registry, SECRET, "a@example.kg", SuppressionReason.HARD_BOUNCE, NOW)
    assert lift(registry, KEYS, "a@example.kg", SuppressionReason.ERASED) == 1
    assert suppression_reasons(registry, KEYS, "a@example.kg") == {SuppressionReason.HARD_BOUNCE}


def test_only_bounces_and_invalid_addresses_stop_campaign_email(registry) -> None:
    suppress(registry, SECRET, "bounced@example.kg", SuppressionReason.HARD_BOUNCE, NOW)
    suppress(registry, SECRET, "invalid@example.kg", SuppressionReason.INVALID_ADDRESS, NOW)
    suppress(registry, SECRET, "erased@example.kg", SuppressionReason.ERASED, NOW)
    emails = {
        1: "bounced@example.kg",
        2: "invalid@example.kg",
        3: "erased@example.kg",
        4: "fine@example.kg",
    }
    assert undeliverable(registry, KEYS, emails) == {1, 2}


def test_suppressing_every_address_takes_the_former_ones_kept_for_the_subject(
    registry, tables
) -> None:
    subject_id = uuid.uuid4()
    remember_former_address(registry, SECRET, subject_id, "old@example.kg", NOW)
    suppress_every_address(
        registry, SECRET, subject_id, ["now@example.kg"], SuppressionReason.ERASED, NOW
    )
    for address in ("old@example.kg", "now@example.kg"):
        assert suppression_reasons(registry, KEYS, address) == {SuppressionReason.ERASED}
    assert subject_id not in tables.former_addresses


def test_counts_name_every_reason_zero_included(registry) -> None:
    suppress(registry, SECRET, "a@example.kg", SuppressionReason.HARD_BOUNCE, NOW)
    suppress(registry, SECRET, "b@example.kg", SuppressionReason.HARD_BOUNCE, NOW)
    suppress(registry, SECRET, "a@example.kg", SuppressionReason.ERASED, NOW)
    assert counts_by_reason(registry) == {
        SuppressionReason.ERASED: 1,
        SuppressionReason.HARD_BOUNCE: 2,
        SuppressionReason.INVALID_ADDRESS: 0,
    }


def test_a_typed_address_is_looked_up_with_its_reasons_and_dates(registry) -> None:
    suppress(registry, SECRET, "a@example.kg", SuppressionReason.HARD_BOUNCE, NOW)
    suppress(registry, SECRET, "a@example.kg", SuppressionReason.ERASED, NOW + timedelta(1))
    assert look_up(registry, KEYS, "  A@Example.KG ") == {
        SuppressionReason.ERASED: NOW + timedelta(1),
        SuppressionReason.HARD_BOUNCE: NOW,
    }
    assert look_up(registry, KEYS, "other@example.kg") == {}


def test_looking_up_what_is_not_an_address_is_refused(registry) -> None:
    with pytest.raises(InvalidEmail):
        look_up(registry, KEYS, "not an address")


class Log:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def record(self, entry: AuditEntry) -> None:
        self.entries.append(entry)


STAFF = Acting(uuid.uuid4(), frozenset({"suppressions:write"}), "203.0.113.9")


def test_staff_lift_a_bounce_with_a_reason_recorded_without_the_address(registry) -> None:
    suppress(registry, SECRET, "a@example.kg", SuppressionReason.HARD_BOUNCE, NOW)
    log = Log()

    lifted = lift_by_staff(
        registry, log, STAFF, KEYS, "a@example.kg", "hard_bounce", " Mailbox fixed ", NOW
    )

    assert lifted == 1
    assert suppression_reasons(registry, KEYS, "a@example.kg") == set()
    [entry] = log.entries
    assert (entry.action, entry.user_id, entry.target) == (
        AuditAction.SUPPRESSION_LIFTED,
        STAFF.user_id,
        "suppression:hard_bounce",
    )
    assert entry.details == {"reason": "hard_bounce", "why": "Mailbox fixed"}
    assert "a@example.kg" not in repr(entry)


@pytest.mark.parametrize(
    ("reason", "why", "refusal"),
    [
        ("erased", "asked by phone", NotLiftable),
        ("spam", "asked by phone", UnknownReason),
        ("hard_bounce", "   ", WhyMissing),
        ("hard_bounce", "x" * (MAX_WHY + 1), WhyTooLong),
        ("hard_bounce", "a\x00b", WhyUnreadable),
        ("invalid_address", "asked by phone", NotSuppressed),
    ],
)
def test_a_lift_that_the_rules_refuse_changes_nothing(registry, reason, why, refusal) -> None:
    suppress(registry, SECRET, "a@example.kg", SuppressionReason.HARD_BOUNCE, NOW)
    suppress(registry, SECRET, "a@example.kg", SuppressionReason.ERASED, NOW)
    log = Log()

    with pytest.raises(refusal):
        lift_by_staff(registry, log, STAFF, KEYS, "a@example.kg", reason, why, NOW)

    assert suppression_reasons(registry, KEYS, "a@example.kg") == {
        SuppressionReason.HARD_BOUNCE,
        SuppressionReason.ERASED,
    }
    assert log.entries == []

"""The suppression list through the service: keyed hashes only, looked up under every key,
and what stops campaign email."""

import uuid

from consent_service.domain.suppression import SuppressionReason
from consent_service.services.suppressions import (
    lift,
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

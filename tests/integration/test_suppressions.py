"""The suppression list keeps keyed hashes only, survives key rotation, and forgets on request."""

from datetime import UTC, datetime

from sqlalchemy import select

from consent_service.adapters import orm
from consent_service.domain.suppression import SuppressionReason
from consent_service.services.suppressions import lift, suppress, suppression_reasons

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def test_an_address_is_found_in_any_case_and_stored_only_as_a_hash(registry_session) -> None:
    registry = registry_session()
    suppress(registry, "k1", "Aigul@Example.kg", SuppressionReason.ERASED, NOW)
    suppress(registry, "k1", "aigul@example.kg", SuppressionReason.ERASED, NOW)  # no duplicate
    suppress(registry, "k1", "aigul@example.kg", SuppressionReason.HARD_BOUNCE, NOW)
    registry.session.commit()
    registry = registry_session()
    assert suppression_reasons(registry, ("k1",), "AIGUL@example.KG") == {
        SuppressionReason.ERASED,
        SuppressionReason.HARD_BOUNCE,
    }
    assert suppression_reasons(registry, ("k1",), "other@example.kg") == set()
    stored = registry.session.execute(select(orm.Suppression)).scalars().all()
    assert len(stored) == 2
    assert all(b"aigul" not in row.address_hash.lower() for row in stored)


def test_after_a_key_rotation_old_entries_still_match(registry_session) -> None:
    registry = registry_session()
    suppress(registry, "old-key", "a@example.kg", SuppressionReason.ERASED, NOW)
    assert suppression_reasons(registry, ("new-key",), "a@example.kg") == set()
    assert suppression_reasons(registry, ("new-key", "old-key"), "a@example.kg") == {
        SuppressionReason.ERASED
    }


def test_lifting_one_reason_keeps_the_others(registry_session) -> None:
    registry = registry_session()
    suppress(registry, "k", "a@example.kg", SuppressionReason.ERASED, NOW)
    suppress(registry, "k", "a@example.kg", SuppressionReason.HARD_BOUNCE, NOW)
    assert lift(registry, ("k",), "a@example.kg", SuppressionReason.ERASED) == 1
    assert suppression_reasons(registry, ("k",), "a@example.kg") == {SuppressionReason.HARD_BOUNCE}

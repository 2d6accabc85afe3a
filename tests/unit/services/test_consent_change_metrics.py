"""The ledger writer counts every consent change by purpose, source and status, through the
`ChangeMeter` port, and a transaction that rolls back takes its counts with it."""

import pytest

from consent_service.domain.consent import ConsentStatus
from consent_service.services.consents import set_consent
from tests.unit.services.conftest import NOW
from tests.unit.services.factories import context, record


def test_each_recorded_decision_is_counted_by_purpose_source_and_status(
    registry, tables, links
) -> None:
    record(registry, links, {"personalization": True, "promotions": False}, source="order")
    assert tables.consent_changes == {
        ("personalization", "order", "granted"): 1,
        ("promotions", "order", "withdrawn"): 1,
    }


def test_a_withdrawal_counts_under_its_own_source(registry, tables, links) -> None:
    view = record(registry, links, {"newsletters": True})
    set_consent(
        registry,
        view.subject_id,
        "newsletters",
        ConsentStatus.WITHDRAWN,
        context(source="preference_center", now=NOW),
        frozenset(),
        links=links,
    )
    assert tables.consent_changes[("newsletters", "preference_center", "withdrawn")] == 1
    assert tables.consent_changes[("newsletters", "registration", "granted")] == 1


class Refused(Exception):
    pass


def record_then_fail(uow, links) -> None:
    with uow.transaction() as registry:
        record(registry, links, {"surveys": True})
        raise Refused


def test_a_change_rolled_back_is_not_counted(uow, tables, links) -> None:
    with pytest.raises(Refused):
        record_then_fail(uow, links)
    assert tables.consent_changes == {}

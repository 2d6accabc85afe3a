"""The requests desk over the in-memory store: a person found by id or whole address (never a
part of it), an unknown address kept only while open, open ones listed by due day, and a
closing that happens once."""

import uuid
from datetime import timedelta

import pytest

from consent_service.domain.rights_requests import (
    AlreadyClosed,
    InvalidRequest,
    RequestKind,
    RequestNotFound,
    Urgency,
)
from consent_service.domain.tallies import local_day
from consent_service.services import rights_requests as desk
from consent_service.services.rights_requests import RequestForm
from tests.unit.services.conftest import NOW
from tests.unit.services.factories import record

TODAY = local_day(NOW)


def form(person: str, received_days_ago: int = 0, **changes: str) -> RequestForm:
    received = (TODAY - timedelta(days=received_days_ago)).isoformat()
    values = {"kind": "access", "channel": "email", "received_on": received, "person": person}
    return RequestForm(**(values | changes))


def test_a_whole_address_finds_the_person_and_a_part_of_it_does_not(
    registry, tables, links
) -> None:
    view = record(registry, links, {"newsletters": True})
    email = registry.subject_by_id(view.subject_id).email

    found = desk.record_request(registry.rights, registry, form(email.upper()), NOW, 7)

    assert (found.subject_id, found.contact_address) == (view.subject_id, None)
    with pytest.raises(InvalidRequest) as refused:
        desk.record_request(registry.rights, registry, form(email.split("@")[0]), NOW, 7)
    assert refused.value.errors == {"person": "invalid"}
    assert len(tables.rights_requests) == 1


def test_an_unknown_address_is_kept_until_the_request_is_closed(registry, tables) -> None:
    made = desk.record_request(registry.rights, registry, form("new@example.kg"), NOW, 7)
    assert (made.subject_id, made.contact_address) == (None, "new@example.kg")
    assert made.due_on == TODAY + timedelta(days=7)

    desk.close_request(registry.rights, made.id, "fulfilled", "", NOW)

    [row] = tables.rights_requests
    assert (row.status, row.outcome, row.contact_address) == ("closed", "fulfilled", None)
    with pytest.raises(AlreadyClosed):
        desk.close_request(registry.rights, made.id, "refused", "changed my mind", NOW)
    with pytest.raises(RequestNotFound):
        desk.close_request(registry.rights, uuid.uuid4(), "fulfilled", "", NOW)


def test_open_requests_are_listed_by_due_day_with_their_urgency(registry) -> None:
    for days_ago in (0, 9, 6):
        desk.record_request(registry.rights, registry, form("x@example.kg", days_ago), NOW, 7)

    listed = desk.list_requests(registry.rights, closed=False, now=NOW)

    assert [item.urgency for item in listed] == [Urgency.OVERDUE, Urgency.DUE_SOON, Urgency.ON_TIME]
    assert desk.list_requests(registry.rights, closed=True, now=NOW) == []


def test_every_unfit_field_is_named_at_once(registry, tables) -> None:
    bad = RequestForm(kind="gossip", channel="preference_center", received_on="", person="")

    with pytest.raises(InvalidRequest) as refused:
        desk.record_request(registry.rights, registry, bad, NOW, 7)

    assert refused.value.errors == {
        "kind": "unknown",
        "channel": "unknown",  # the preference centre records its own requests
        "received_on": "required",
        "person": "required",
    }
    assert tables.rights_requests == []


def test_a_request_answered_at_once_is_closed_fulfilled(registry, tables) -> None:
    subject_id = uuid.uuid4()

    desk.record_fulfilled(registry.rights, subject_id, RequestKind.ACCESS, NOW, 7)

    [row] = tables.rights_requests
    assert (row.kind, row.source, row.outcome) == ("access", "preference_center", "fulfilled")
    assert row.requested_at == row.completed_at == NOW

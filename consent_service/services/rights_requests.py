"""Data-subject requests: recording one (by staff, or as the preference centre acts), listing
them by how soon they are due, and closing one with its outcome.

The rules (due day, overdue, what a closing takes) are domain/rights_requests.py's; this
module finds the person a request names and keeps the store in step. A person is named by
their subject id or by their whole address, looked up exactly (lower-cased), never by a part
of it: the desk must not become a way to find addresses. An address nobody in the registry
has is kept on the request as where to answer, and only while the request is open.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol

from consent_service.domain.emails import email_key, normalize_email
from consent_service.domain.errors import InvalidEmail
from consent_service.domain.rights_requests import (
    CLOSED,
    MAX_ADDRESS,
    OPEN,
    STAFF_CHANNELS,
    AlreadyClosed,
    Channel,
    InvalidRequest,
    Outcome,
    RequestKind,
    RequestNotFound,
    Urgency,
    check_closing,
    check_received,
    due_on,
    storable,
    urgency,
)
from consent_service.domain.tallies import DAY_ZONE, local_day
from consent_service.services.ports.rights import RequestDesk, RightsRequestRow, RightsRequests
from consent_service.services.ports.subjects import SubjectRow

LIST_LIMIT = 500
"""The most requests one listing shows; a shop with more open at once has other problems."""


class SubjectFinder(Protocol):
    def subject_by_id(
        self, subject_id: uuid.UUID, *, for_update: bool = False
    ) -> SubjectRow | None: ...

    def subject_by_email_key(self, key: str, *, for_update: bool = False) -> SubjectRow | None: ...


@dataclass(frozen=True)
class RequestForm:
    """What a member of staff typed, as typed."""

    kind: str
    channel: str
    received_on: str
    person: str


@dataclass(frozen=True)
class Listed:
    request: RightsRequestRow
    urgency: Urgency


def _person(subjects: SubjectFinder, typed: str) -> tuple[uuid.UUID | None, str | None, str]:
    """(subject id, address to keep, problem code or "")."""
    typed = typed.strip()
    if not typed:
        return None, None, "required"
    try:
        subject_id = uuid.UUID(typed)
    except ValueError:
        pass
    else:
        found = subjects.subject_by_id(subject_id)
        return (found.id, None, "") if found is not None else (None, None, "unknown_subject")
    if len(typed) > MAX_ADDRESS or not storable(typed):
        return None, None, "invalid"
    try:
        address = normalize_email(typed)
    except InvalidEmail:
        return None, None, "invalid"
    by_address = subjects.subject_by_email_key(email_key(address))
    if by_address is not None:
        return by_address.id, None, ""
    return None, address, ""


def _received(typed: str, today: date) -> tuple[date | None, dict[str, str]]:
    try:
        received = date.fromisoformat(typed.strip())
    except ValueError:
        return None, {"received_on": "invalid" if typed.strip() else "required"}
    return received, check_received(received, today)


def record_request(
    desk: RightsRequests, subjects: SubjectFinder, form: RequestForm, now: datetime, due_days: int
) -> RightsRequestRow:
    """Store a request staff received; InvalidRequest naming every field that is not fit."""
    errors: dict[str, str] = {}
    if form.kind not in set(RequestKind):
        errors["kind"] = "unknown"
    if form.channel not in set(STAFF_CHANNELS):
        errors["channel"] = "unknown"
    received, problems = _received(form.received_on, local_day(now))
    errors |= problems
    subject_id, address, problem = _person(subjects, form.person)
    if problem:
        errors["person"] = problem
    if errors or received is None:
        raise InvalidRequest(errors)
    at = now if received == local_day(now) else datetime.combine(received, time(), DAY_ZONE)
    row = RightsRequestRow(
        id=uuid.uuid4(),
        subject_id=subject_id,
        kind=form.kind,
        source=form.channel,
        status=OPEN,
        requested_at=at,
        completed_at=None,
        due_on=due_on(received, due_days),
        contact_address=address,
    )
    desk.add_request(row)
    return row


def record_fulfilled(
    rights: RightsRequests,
    subject_id: uuid.UUID,
    kind: RequestKind,
    now: datetime,
    due_days: int,
    channel: str = Channel.PREFERENCE_CENTRE,
) -> RightsRequestRow:
    """A request answered the moment it was made (the preference centre's download)."""
    row = fulfilled_at_once(subject_id, kind, channel, now, due_days)
    rights.add_request(row)
    return row


def fulfilled_at_once(
    subject_id: uuid.UUID, kind: str, channel: str, now: datetime, due_days: int
) -> RightsRequestRow:
    return RightsRequestRow(
        id=uuid.uuid4(),
        subject_id=subject_id,
        kind=kind,
        source=channel,
        status=CLOSED,
        requested_at=now,
        completed_at=now,
        due_on=due_on(local_day(now), due_days),
        outcome=Outcome.FULFILLED,
    )


def list_requests(desk: RequestDesk, *, closed: bool, now: datetime) -> list[Listed]:
    today = local_day(now)
    return [
        Listed(row, _urgency(row, today))
        for row in desk.list_requests(closed=closed, limit=LIST_LIMIT)
    ]


def _urgency(row: RightsRequestRow, today: date) -> Urgency:
    due = row.due_on or local_day(row.requested_at)
    return urgency(due, today, closed=row.completed_at is not None)


def get_request(desk: RequestDesk, request_id: uuid.UUID, now: datetime) -> Listed:
    row = desk.request_by_id(request_id)
    if row is None:
        raise RequestNotFound(str(request_id))
    return Listed(row, _urgency(row, local_day(now)))


def close_request(
    desk: RequestDesk, request_id: uuid.UUID, outcome: str, reason: str, now: datetime
) -> RightsRequestRow:
    """Close an open request; the row as it was before. RequestNotFound, AlreadyClosed, or
    InvalidRequest (a refusal without its reason)."""
    row = desk.request_by_id(request_id, for_update=True)
    if row is None:
        raise RequestNotFound(str(request_id))
    closing = check_closing(outcome, reason)
    if row.completed_at is not None:
        raise AlreadyClosed(str(request_id))
    desk.close_request(request_id, closing.outcome, closing.reason, now)
    return row

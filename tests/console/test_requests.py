"""`/console/requests`: support and privacy staff record a request (by subject id, by a whole
address looked up exactly, or an unknown person's address kept while open); the list puts open
ones first by due day, marked overdue or due soon; privacy staff close one, a refusal only with
its reason; a refused form is 422 with the problem beside its field and stores nothing; forms
need their CSRF field; marketing is refused; recording and closing are in the audit log;
hostile input is never a 500."""

import json
import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from consent_service.adapters import orm
from tests.console.conftest import location, signed_in, text
from tests.factories import consent_body
from tests.hostile_input import typed_in_a_form as typed

TODAY = "2026-12-01"  # the console's clock: 2026-12-01 09:00 UTC, 15:00 in Bishkek


def stored(app) -> list[orm.RightsRequest]:
    with app.extensions["consent.engine"].connect() as connection:
        query = select(orm.RightsRequest).order_by(orm.RightsRequest.requested_at)
        return list(connection.execute(query))


def audit(app) -> list:
    with app.extensions["consent.engine"].connect() as connection:
        query = select(orm.ConsoleAuditEntry).order_by(orm.ConsoleAuditEntry.id)
        return [row for row in connection.execute(query) if row.action.startswith("request.")]


def subject(app, writer, email: str) -> str:
    answer = app.test_client().post("/v1/consents", json=consent_body(email=email), headers=writer)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["subject_id"]


@pytest.fixture
def support(browser, person):
    return signed_in(browser(), person("support"))


@pytest.fixture
def privacy(browser, person):
    return signed_in(browser(), person("privacy"))


def record(who, **fields: str):
    form = {"kind": "access", "channel": "email", "received_on": TODAY, "person": ""} | fields
    return who.post("/console/requests", form)


def test_support_records_a_request_by_whole_address_and_it_is_due_a_week_later(
    app, support, writer
) -> None:
    subject_id = subject(app, writer, "aigul@example.kg")

    answer = record(support, person="Aigul@Example.kg", received_on="2026-11-27")

    assert answer.status_code == 303
    [row] = stored(app)
    assert location(answer) == f"/console/requests/{row.id}?done=recorded"
    assert (str(row.subject_id), row.contact_address, row.status) == (subject_id, None, "open")
    assert row.due_on.isoformat() == "2026-12-04"
    page = text(support.get(location(answer)))
    assert "The request was recorded." in page
    assert f'href="/console/subjects/{subject_id}"' in page
    assert "December 4, 2026" in page
    assert "Due soon" not in page and "Overdue" not in page
    [line] = audit(app)
    assert line.action == "request.recorded"
    assert "aigul" not in json.dumps(line.details).lower()


def test_a_request_by_subject_id_and_one_from_an_unknown_address(app, support, writer) -> None:
    subject_id = subject(app, writer, "bakyt@example.kg")

    by_id = record(support, person=subject_id, kind="rectification", channel="phone")
    unknown = record(support, person="stranger@example.kg", kind="objection", channel="letter")

    assert by_id.status_code == unknown.status_code == 303
    rows = {row.kind: row for row in stored(app)}
    assert str(rows["rectification"].subject_id) == subject_id
    assert rows["objection"].subject_id is None
    assert rows["objection"].contact_address == "stranger@example.kg"
    page = text(support.get(location(unknown)))
    assert "stranger@example.kg" in page and "not in the registry" in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "gossip"}, "kind", "Choose what the person asks for."),
        ({"channel": "pigeon"}, "channel", "Choose how the request reached the shop."),
        ({"received_on": "2026-12-02"}, "received_on", "cannot be after today"),
        ({"received_on": "yesterday"}, "received_on", "as year-month-day"),
        ({"person": ""}, "person", "subject id or their whole email address"),
        ({"person": "aigul@"}, "person", "a whole email address"),
        ({"person": str(uuid.UUID(int=7))}, "person", "Nobody in the registry has this subject id"),
    ],
)
def test_a_refused_form_names_the_problem_beside_its_field_and_stores_nothing(
    app, support, fields, field, message
) -> None:
    answer = record(support, **({"person": "x@example.kg"} | fields))

    assert answer.status_code == 422
    page = text(answer)
    assert re.search(rf'<p class="error" id="{field}-problem">[^<]*{re.escape(message)}', page)
    assert 'aria-invalid="true"' in page
    assert stored(app) == [] and audit(app) == []


def test_open_requests_come_first_by_due_day_marked_overdue_and_due_soon(
    app, support, clock, browser, person
) -> None:
    record(support, person="late@example.kg", received_on="2026-11-20")  # due 11-27: overdue
    record(support, person="soon@example.kg", received_on="2026-11-25")  # due 12-02: soon
    record(support, person="fine@example.kg", received_on=TODAY)  # due 12-08

    page = text(support.get("/console/requests"))

    rows = re.findall(r'<td data-label="State"><span class="tag urgency-(\w+)">', page)
    assert rows == ["overdue", "due_soon", "on_time"]
    assert page.index("Nov 27, 2026") < page.index("Dec 2, 2026") < page.index("Dec 8, 2026")
    overview = text(support.get("/console/"))
    assert re.search(r'id="requests-overdue">1<', overview)
    assert re.search(r'id="requests-due-soon">1<', overview)
    clock.advance(days=8)  # the day after the last one is due
    later = text(signed_in(browser(), person("support")).get("/console/requests"))
    assert re.findall(r"urgency-(\w+)\">", later) == ["overdue"] * 3


def test_privacy_closes_a_refusal_only_with_its_reason_and_the_address_goes(
    app, support, privacy
) -> None:
    made = record(support, person="stranger@example.kg", kind="erasure")
    page_url = location(made).split("?")[0]
    assert "Close the request" not in text(support.get(page_url))  # support records, no more
    assert support.post(f"{page_url}/close", {"outcome": "fulfilled"}).status_code == 403
    reminder = text(privacy.get(page_url))
    assert "complain to the data protection authority" in reminder
    assert "https://dpa.gov.kg/" in reminder

    bare = privacy.post(f"{page_url}/close", {"outcome": "refused", "reason": "  "})

    assert bare.status_code == 422
    assert 'id="reason-problem"' in text(bare)
    [row] = stored(app)
    assert row.completed_at is None and row.contact_address == "stranger@example.kg"

    closed = privacy.post(
        f"{page_url}/close", {"outcome": "refused", "reason": "We hold no data about you."}
    )

    assert location(closed) == f"{page_url}?done=closed"
    [row] = stored(app)
    assert (row.status, row.outcome, row.reason) == (
        "closed",
        "refused",
        "We hold no data about you.",
    )
    assert row.contact_address is None
    shown = text(privacy.get(location(closed)))
    assert "We hold no data about you." in shown and "stranger@example.kg" not in shown
    assert [line.action for line in audit(app)] == ["request.recorded", "request.closed"]
    assert audit(app)[-1].details["outcome"] == "refused"
    again = privacy.post(f"{page_url}/close", {"outcome": "fulfilled"})
    assert again.status_code == 409
    assert stored(app)[0].outcome == "refused"
    assert "Closed" in text(privacy.get("/console/requests?show=closed"))


def test_forms_without_their_csrf_field_are_refused(app, support, privacy) -> None:
    made = record(support, person="someone@example.kg")
    page_url = location(made).split("?")[0]
    form = {"kind": "access", "channel": "email", "received_on": TODAY, "person": "a@example.kg"}

    forged = support.client.post("/console/requests", data=form)
    forged_close = privacy.client.post(f"{page_url}/close", data={"outcome": "fulfilled"})

    assert forged.status_code == forged_close.status_code == 403
    assert len(stored(app)) == 1 and stored(app)[0].completed_at is None


def test_marketing_opens_no_request_page(app, browser, person, support) -> None:
    made = record(support, person="someone@example.kg")
    marketer = signed_in(browser(), person("marketing"))

    for path in ("/console/requests", "/console/requests/new", location(made).split("?")[0]):
        assert marketer.get(path).status_code == 403
    assert record(marketer, person="other@example.kg").status_code == 403
    assert len(stored(app)) == 1


def test_erasure_leaves_no_address_on_the_requests(app, support, writer) -> None:
    subject_id = subject(app, writer, "erase.me@example.kg")
    record(support, person=subject_id)
    record(support, person="ERASE.ME@example.kg", kind="objection")  # found: by subject id
    before = {row.id for row in stored(app)}

    erased = app.test_client().delete(f"/v1/subjects/{subject_id}", headers=writer)

    assert erased.status_code in (200, 204), erased.get_data(as_text=True)
    rows = stored(app)
    assert {row.id for row in rows} >= before
    assert all(row.contact_address is None for row in rows)
    assert {str(row.subject_id) for row in rows} == {subject_id}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.one_of(st.sampled_from(["access", "erasure"]), typed),
    channel=st.one_of(st.just("email"), typed),
    received=st.one_of(st.just(TODAY), typed),
    who=st.one_of(st.just("someone@example.kg"), typed),
    reason=typed,
)
def test_hostile_input_is_never_a_server_error(
    app, privacy, kind, channel, received, who, reason
) -> None:
    made = record(privacy, kind=kind, channel=channel, received_on=received, person=who)
    assert made.status_code in (303, 422)
    assert made.mimetype == "text/html" if made.status_code == 422 else True
    target = location(made).split("?")[0] if made.status_code == 303 else None
    if target:
        closed = privacy.post(f"{target}/close", {"outcome": "refused", "reason": reason})
        assert closed.status_code in (303, 422)
    listing = privacy.get("/console/requests", query_string={"show": who})
    assert listing.status_code == 200


def test_a_request_received_near_a_month_end_is_due_in_the_next(app, browser, person, clock):
    clock.advance(days=60)
    support = signed_in(browser(), person("support"))
    made = record(support, person="feb@example.kg", received_on="2027-01-28")

    assert made.status_code == 303
    assert stored(app)[0].due_on.isoformat() == "2027-02-04"

"""`/console/suppressions`: counts by reason; a typed whole address looked up on the page its
form posts to (never in a URL, never kept); a bounce lifted with a reason, in the console
audit log without the address; an erasure's suppression never lifted; hostile input a 4xx
page with nothing changed."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from consent_service.domain.suppression import SuppressionReason
from consent_service.services.suppressions import suppress
from tests.console.conftest import location, signed_in, text
from tests.hostile_input import typed_in_a_form as typed

SECRET = "test-secret"
BOUNCED = "bounced@example.kg"
ERASED = "erased@example.kg"


def put_on_list(app, email: str, reason: SuppressionReason, at: datetime) -> None:
    with app.extensions["consent.sessions"]() as session, session.begin():
        suppress(SqlRepository(session), SECRET, email, reason, at)


def on_list(app) -> list[tuple[bytes, str]]:
    table = orm.Suppression.__table__
    with app.extensions["consent.engine"].connect() as connection:
        query = select(table.c.address_hash, table.c.reason).order_by(table.c.reason)
        return [tuple(row) for row in connection.execute(query)]


def log_lines(app) -> list:
    table = orm.ConsoleAuditEntry.__table__
    with app.extensions["consent.engine"].connect() as connection:
        query = select(table).where(table.c.action.like("suppression.%"))
        return list(connection.execute(query))


@pytest.fixture
def listed(app) -> None:
    since = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    put_on_list(app, BOUNCED, SuppressionReason.HARD_BOUNCE, since)
    put_on_list(app, "other@example.kg", SuppressionReason.HARD_BOUNCE, since)
    put_on_list(app, ERASED, SuppressionReason.ERASED, since + timedelta(days=1))


@pytest.fixture
def privacy(browser, person):
    return signed_in(browser(), person("privacy"))


def test_the_counts_by_reason_are_shown(privacy, listed) -> None:
    page = privacy.get("/console/suppressions")
    assert page.status_code == 200
    shown = text(page)
    assert 'id="count-hard_bounce">2<' in shown
    assert 'id="count-erased">1<' in shown
    assert 'id="count-invalid_address">0<' in shown


def test_a_looked_up_address_shows_its_reasons_and_since_when(app, privacy, listed) -> None:
    answer = privacy.post("/console/suppressions/lookup", {"address": " Bounced@Example.KG "})

    assert answer.status_code == 200
    shown = text(answer)
    assert "Hard bounce: the mailbox does not exist" in shown
    assert "since Nov 20, 2026" in shown
    assert 'id="lift-hard_bounce"' in shown
    assert len(on_list(app)) == 3 and log_lines(app) == []


def test_an_address_not_on_the_list_is_said_to_be_so(privacy, listed) -> None:
    answer = privacy.post("/console/suppressions/lookup", {"address": "fine@example.kg"})
    assert answer.status_code == 200
    assert "This address is not suppressed." in text(answer)


def test_what_is_not_an_address_is_refused(privacy, listed) -> None:
    answer = privacy.post("/console/suppressions/lookup", {"address": "bounced"})
    assert answer.status_code == 422
    assert "Type a whole email address (name@example.kg)." in text(answer)


def test_a_bounce_is_lifted_with_a_reason_kept_without_the_address(app, privacy, listed) -> None:
    privacy.client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    answer = privacy.post(
        "/console/suppressions/lift",
        {"address": BOUNCED, "reason": "hard_bounce", "why": "She wrote: the mailbox works again"},
    )

    assert answer.status_code == 303
    assert location(answer) == "/console/suppressions?done=lifted"
    assert BOUNCED not in location(answer)
    shown = text(privacy.get(location(answer)))
    assert "The suppression was lifted and recorded in the console audit log." in shown
    assert 'id="count-hard_bounce">1<' in shown
    again = privacy.post("/console/suppressions/lookup", {"address": BOUNCED})
    assert "This address is not suppressed." in text(again)
    [line] = log_lines(app)
    assert (line.action, line.target, line.client_address) == (
        "suppression.lifted",
        "suppression:hard_bounce",
        "203.0.113.9",
    )
    assert line.details == {"reason": "hard_bounce", "why": "She wrote: the mailbox works again"}
    assert "bounced" not in repr(tuple(line)).lower()


def test_an_erasures_suppression_offers_no_lift_and_a_forged_one_is_refused(
    app, privacy, listed
) -> None:
    looked_up = text(privacy.post("/console/suppressions/lookup", {"address": ERASED}))
    assert 'id="not-liftable-erased"' in looked_up and 'id="lift-erased"' not in looked_up

    forged = privacy.post(
        "/console/suppressions/lift",
        {"address": ERASED, "reason": "erased", "why": "They asked by phone"},
    )

    assert forged.status_code == 409
    assert "An erasure's suppression cannot be lifted here." in text(forged)
    assert len(on_list(app)) == 3 and log_lines(app) == []


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"reason": "hard_bounce", "why": "  "}, 422, "Say why the suppression is lifted"),
        ({"reason": "spam", "why": "x"}, 422, "Choose which suppression to lift."),
        ({"reason": "invalid_address", "why": "x"}, 409, "not suppressed for this reason"),
        ({"address": "nobody", "reason": "hard_bounce", "why": "x"}, 422, "whole email address"),
    ],
)
def test_a_refused_lift_changes_nothing(app, privacy, listed, form, status, message) -> None:
    answer = privacy.post("/console/suppressions/lift", {"address": BOUNCED} | form)
    assert answer.status_code == status
    assert message in text(answer)
    assert len(on_list(app)) == 3 and log_lines(app) == []


def test_forms_without_their_csrf_field_are_refused(app, privacy, listed) -> None:
    form = {"address": BOUNCED, "reason": "hard_bounce", "why": "x"}
    assert privacy.client.post("/console/suppressions/lift", data=form).status_code == 403
    assert len(on_list(app)) == 3


@pytest.mark.parametrize("role", ["marketing", "support", "sender"])
def test_roles_without_suppressions_write_open_nothing_here(
    app, browser, person, listed, role
) -> None:
    someone = signed_in(browser(), person(role))
    assert someone.get("/console/suppressions").status_code == 403
    lifted = someone.post(
        "/console/suppressions/lift", {"address": BOUNCED, "reason": "hard_bounce", "why": "x"}
    )
    assert lifted.status_code == 403
    assert len(on_list(app)) == 3


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    address=typed,
    reason=st.one_of(st.sampled_from(["hard_bounce", "erased"]), typed),
    why=typed,
)
def test_hostile_input_is_a_4xx_page_and_changes_nothing(
    app, privacy, listed, address, reason, why
) -> None:
    before = on_list(app)

    looked_up = privacy.post("/console/suppressions/lookup", {"address": address})
    lifted = privacy.post(
        "/console/suppressions/lift", {"address": address, "reason": reason, "why": why}
    )

    assert looked_up.status_code in (200, 422)
    assert 400 <= lifted.status_code < 500
    assert lifted.mimetype == looked_up.mimetype == "text/html"
    assert on_list(app) == before and log_lines(app) == []


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(why=typed)
def test_a_hostile_reason_for_a_real_bounce_is_never_a_server_error(
    app, privacy, listed, why
) -> None:
    before = on_list(app)
    lifted = privacy.post(
        "/console/suppressions/lift", {"address": BOUNCED, "reason": "hard_bounce", "why": why}
    )
    assert lifted.status_code in (303, 409, 422)
    if lifted.status_code != 303:
        assert on_list(app) == before

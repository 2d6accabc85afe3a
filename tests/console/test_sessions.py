"""Sessions end: after CONSOLE_SESSION_IDLE_MINUTES without a request, 12 hours after signing
in, at logout, and at once when the person is disabled or their roles change.

The faces' clock is moved (tests/console/conftest.py); nothing sleeps.
"""

from sqlalchemy import select

from consent_service.adapters import orm
from consent_service.console.sessions import COOKIE
from consent_service.services.staff_sign_in import session_hash
from tests.console.conftest import Browser, location, signed_in


def ends_at_sign_in(answer, reason: str | None = None) -> bool:
    target = location(answer)
    return (
        answer.status_code == 303
        and target.startswith("/console/login")
        and (reason is None or f"ended={reason}" in target)
    )


def test_a_session_left_idle_for_the_idle_timeout_ends(browser, person, clock) -> None:
    visitor = signed_in(browser(), person("admin"))
    clock.advance(minutes=29, seconds=59)
    assert visitor.get("/console/").status_code == 200

    clock.advance(minutes=30)
    ended = visitor.get("/console/")

    assert ends_at_sign_in(ended, "idle")
    assert visitor.session_id() is None  # the cookie is cleared
    page = visitor.get(location(ended)).get_data(as_text=True)
    assert "You were signed out after a while without activity." in page


def test_the_idle_timeout_is_the_setting(make_app, clock, person) -> None:
    app = make_app(CONSOLE_SESSION_IDLE_MINUTES="5")
    visitor = signed_in(Browser(app.test_client()), person("admin"))
    clock.advance(minutes=4)
    assert visitor.get("/console/").status_code == 200
    clock.advance(minutes=5)
    assert ends_at_sign_in(visitor.get("/console/"), "idle")


def test_a_busy_session_still_ends_twelve_hours_after_signing_in(browser, person, clock) -> None:
    visitor = signed_in(browser(), person("admin"))
    for _ in range(12 * 3 - 1):  # a request every 20 minutes: never idle
        clock.advance(minutes=20)
        assert visitor.get("/console/").status_code == 200

    clock.advance(minutes=20)
    assert ends_at_sign_in(visitor.get("/console/"), "expired")


def last_seen(app, visitor: Browser):
    with app.extensions["consent.engine"].connect() as connection:
        query = select(orm.StaffSession.last_seen_at).where(
            orm.StaffSession.id_hash == session_hash(visitor.session_id())
        )
        return connection.execute(query).scalar_one()


def test_the_last_seen_time_is_written_at_most_once_a_minute(app, browser, person, clock) -> None:
    visitor = signed_in(browser(), person("admin"))
    signed_in_at = clock.now
    clock.advance(seconds=59)
    visitor.get("/console/")
    assert last_seen(app, visitor) == signed_in_at

    clock.advance(seconds=1)
    visitor.get("/console/")
    assert last_seen(app, visitor) == clock.now


def test_logout_ends_the_session_for_good(browser, person) -> None:
    visitor = signed_in(browser(), person("admin"))
    session_id = visitor.session_id()

    out = visitor.post("/console/logout")

    assert location(out) == "/console/login?signed_out=1"
    assert visitor.session_id() is None
    replay = browser()
    replay.client.set_cookie(COOKIE, session_id, path="/console")
    assert ends_at_sign_in(replay.get("/console/"))


def test_disabling_a_person_ends_their_sessions_at_once(browser, person) -> None:
    admin = signed_in(browser(), person("admin"))
    target = person("support")
    on_phone, on_laptop = signed_in(browser(), target), signed_in(browser(), target)

    admin.post(f"/console/users/{target.account.id}/disable")

    assert ends_at_sign_in(on_phone.get("/console/"))
    assert ends_at_sign_in(on_laptop.get("/console/"))
    assert browser().sign_in(target.email, target.password).status_code == 200


def test_changing_a_persons_roles_ends_their_sessions_at_once(browser, person) -> None:
    admin = signed_in(browser(), person("admin"))
    target = person("admin")
    theirs = signed_in(browser(), target)
    assert theirs.get("/console/users").status_code == 200

    admin.post(f"/console/users/{target.account.id}/roles", {"role": ["marketing"]})

    assert ends_at_sign_in(theirs.get("/console/users"))
    again = signed_in(browser(), target)
    assert again.get("/console/users").status_code == 403

"""Signing in with a password: one answer for every refusal, the throttle, a new session id.

SPEC section 9: the answer is the same for an unknown address and a wrong password; after 10
failures in 15 minutes for one address or one client, login waits.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from consent_service.adapters import orm
from consent_service.console.sessions import COOKIE, PASSWORDS
from tests.console.conftest import PASSWORD, Browser, location, signed_in, text


def test_a_person_signs_in_and_lands_on_the_overview(browser, person) -> None:
    who = person("marketing")
    answer = browser().sign_in(who.email, who.password)

    assert answer.status_code == 303
    assert location(answer) == "/console/"


def test_unknown_address_wrong_password_and_disabled_account_get_one_answer(
    app, browser, person
) -> None:
    known, disabled = person("admin"), person("support")
    signed_in(browser(), known).post(f"/console/users/{disabled.account.id}/disable")
    hasher = app.extensions[PASSWORDS]
    pages, statuses, costs = set(), set(), []
    for email, password in (
        ("nobody@shop.example", PASSWORD),
        (known.email, "not the password"),
        (disabled.email, disabled.password),
    ):
        before = hasher.verifications
        answer = browser().sign_in(email, password)
        costs.append(hasher.verifications - before)
        statuses.add(answer.status_code)
        pages.add(text(answer).replace(email, "EMAIL"))
        assert COOKIE not in answer.headers.get("Set-Cookie", "")

    assert statuses == {200}
    assert len(pages) == 1
    assert "The address or the password is not right." in pages.pop()
    # one Argon2 verification each, whether or not the address belongs to anyone
    assert costs == [1, 1, 1]


def failures(app) -> int:
    with app.extensions["consent.engine"].connect() as connection:
        return connection.execute(select(func.count()).select_from(orm.LoginFailure)).scalar_one()


def test_ten_failures_for_one_address_make_login_wait_even_with_the_right_password(
    app, browser, person, clock
) -> None:
    who = person("admin")
    for _ in range(10):
        assert browser().sign_in(who.email, "guess").status_code == 200
    hasher = app.extensions[PASSWORDS]
    checked = hasher.verifications

    waiting = browser().sign_in(who.email, who.password)

    assert waiting.status_code == 429
    assert "Too many failed sign-ins. Wait 15 minutes, then try again." in text(waiting)
    assert 0 < int(waiting.headers["Retry-After"]) <= 15 * 60
    assert hasher.verifications == checked  # nothing was checked while waiting
    assert failures(app) == 10  # and nothing recorded
    clock.advance(minutes=15)
    assert browser().sign_in(who.email, who.password).status_code == 303


def test_the_wait_is_per_address_whatever_its_case_and_known_or_not(browser, person) -> None:
    who = person("admin")
    for attempt in range(10):
        browser().sign_in(f"  {who.email.upper() if attempt % 2 else who.email} ", "guess")
        browser().sign_in("nobody@shop.example", "guess")

    assert browser().sign_in(who.email, who.password).status_code == 429
    unknown = browser().sign_in("NOBODY@shop.example", "guess")
    assert unknown.status_code == 429
    assert text(unknown).count("Wait 15 minutes") == 1


def test_ten_failures_from_one_client_make_it_wait_for_any_address(app, person) -> None:
    who = person("admin")
    browser = Browser(app.test_client())
    for attempt in range(10):
        browser.sign_in(f"guess{attempt}@shop.example", "guess")

    assert browser.sign_in(who.email, who.password).status_code == 429
    other_client = app.test_client()
    other_client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    elsewhere = Browser(other_client)
    assert elsewhere.sign_in(who.email, who.password).status_code == 303


def test_every_sign_in_gets_a_new_session_id_and_ends_the_one_it_replaces(browser, person) -> None:
    who = person("admin")
    visitor = signed_in(browser(), who)
    first = visitor.session_id()
    signed_in(visitor, who)
    second = visitor.session_id()

    assert first and second and first != second
    stale = browser()
    stale.client.set_cookie(COOKIE, first, path="/console")
    assert location(stale.get("/console/")).startswith("/console/login")
    assert visitor.get("/console/").status_code == 200


@pytest.mark.parametrize(
    ("base_url", "secure"), [("http://127.0.0.1:8000", False), ("https://shop.example", True)]
)
def test_the_session_cookie_is_httponly_lax_and_secure_over_https(
    make_app, clock, person, base_url, secure
) -> None:
    app = make_app(PUBLIC_BASE_URL=base_url)
    who = person("admin")
    answer = Browser(app.test_client()).sign_in(who.email, who.password)
    cookie = next(
        value for value in answer.headers.getlist("Set-Cookie") if value.startswith(COOKIE)
    )

    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/console" in cookie
    assert ("Secure" in cookie) is secure


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/console/", "/\\evil.example", "/policy", "/console"],
)
def test_a_next_address_off_the_console_is_never_followed(browser, person, target) -> None:
    who = person("admin")
    visitor = browser()
    answer = visitor.post(
        "/console/login", {"email": who.email, "password": who.password, "next": target}
    )

    assert location(answer) == "/console/"


def test_a_next_address_in_the_console_is_followed_after_sign_in(browser, person) -> None:
    who = person("admin")
    visitor = browser()
    sent = visitor.get("/console/users")
    assert location(sent) == "/console/login?next=%2Fconsole%2Fusers"

    answer = visitor.post(
        "/console/login", {"email": who.email, "password": who.password, "next": "/console/users"}
    )
    assert location(answer) == "/console/users"


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(email=st.text(max_size=300), password=st.text(max_size=1200))
def test_whatever_is_typed_the_answer_is_a_page_and_nobody_is_signed_in(
    app, email, password
) -> None:
    answer = Browser(app.test_client()).sign_in(email, password)

    assert answer.status_code in (200, 429)
    assert answer.mimetype == "text/html"
    assert COOKIE not in answer.headers.get("Set-Cookie", "")

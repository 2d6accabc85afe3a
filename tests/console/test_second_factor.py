"""Two-step sign-in: enrolling an authenticator app, its code at every sign-in, no code twice,
and CONSOLE_REQUIRE_2FA=1 requiring it of everyone.

Codes are made with pyotp from the secret the enrolment page shows, at the held clock's time,
as the person's phone would.
"""

import re

import pyotp

from tests.console.conftest import Browser, location, signed_in, text


def shown_secret(page: str) -> str:
    found = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert found, "no secret on the enrolment page"
    return found[1].replace(" ", "")


def code(secret: str, clock) -> str:
    return pyotp.TOTP(secret).at(clock.now)


def enrol(visitor: Browser, clock) -> str:
    page = visitor.get("/console/2fa").get_data(as_text=True)
    assert "<svg" in page  # the QR code, drawn inline
    secret = shown_secret(page)
    answer = visitor.post("/console/2fa", {"code": code(secret, clock)})
    assert location(answer) == "/console/2fa?enrolled=1"
    return secret


def test_after_enrolling_every_sign_in_asks_for_a_code(browser, person, clock) -> None:
    who = person("admin")
    secret = enrol(signed_in(browser(), who), clock)
    clock.advance(seconds=30)

    visitor = browser()
    assert location(visitor.sign_in(who.email, who.password)) == "/console/2fa"
    assert location(visitor.get("/console/users")) == "/console/2fa"
    assert "Type the six-digit code" in text(visitor.get("/console/2fa"))
    assert location(visitor.post("/console/2fa", {"code": code(secret, clock)})) == "/console/"
    assert visitor.get("/console/users").status_code == 200


def test_a_code_is_accepted_once_and_never_an_older_one(browser, person, clock) -> None:
    who = person("admin")
    secret = enrol(signed_in(browser(), who), clock)
    clock.advance(seconds=30)
    used = code(secret, clock)
    first = browser()
    first.sign_in(who.email, who.password)
    assert location(first.post("/console/2fa", {"code": used})) == "/console/"

    replay = browser()
    replay.sign_in(who.email, who.password)
    refused = replay.post("/console/2fa", {"code": used})
    assert "This code is not right, or it was used already." in text(refused)
    older = pyotp.TOTP(secret).at(clock.now, counter_offset=-1)  # still within the window
    assert "used already" in text(replay.post("/console/2fa", {"code": older}))
    assert location(replay.get("/console/")) == "/console/2fa"

    clock.advance(seconds=30)
    assert location(replay.post("/console/2fa", {"code": code(secret, clock)})) == "/console/"


def test_a_wrong_enrolment_code_enrols_nothing(browser, person, clock) -> None:
    who = person("admin")
    visitor = signed_in(browser(), who)
    secret = shown_secret(visitor.get("/console/2fa").get_data(as_text=True))
    wrong = pyotp.TOTP(pyotp.random_base32()).at(clock.now)

    refused = visitor.post("/console/2fa", {"code": wrong})

    assert "This code is not right" in text(refused)
    assert shown_secret(visitor.get("/console/2fa").get_data(as_text=True)) == secret
    assert location(browser().sign_in(who.email, who.password)) == "/console/"


def test_wrong_codes_count_towards_the_throttle(browser, person, clock) -> None:
    who = person("admin")
    secret = enrol(signed_in(browser(), who), clock)
    clock.advance(seconds=30)
    guesser = browser()
    guesser.sign_in(who.email, who.password)
    for guess in range(10):
        guesser.post("/console/2fa", {"code": f"{guess:06d}"})

    waiting = guesser.post("/console/2fa", {"code": code(secret, clock)})

    assert waiting.status_code == 429
    assert location(guesser.get("/console/")) == "/console/2fa"


def test_when_required_everyone_enrols_before_anything_opens(make_app, clock, person) -> None:
    app = make_app(CONSOLE_REQUIRE_2FA="1")
    who = person("admin")
    visitor = Browser(app.test_client())

    assert location(visitor.sign_in(who.email, who.password)) == "/console/2fa"
    assert location(visitor.get("/console/users")) == "/console/2fa"
    page = text(visitor.get("/console/2fa"))
    assert "This console asks everyone for a second step" in page

    enrol(visitor, clock)
    assert visitor.get("/console/users").status_code == 200

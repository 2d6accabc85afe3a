"""The one-time password an administrator gives opens nothing but the page to choose one's own;
a password changed later needs the current one, and ends the person's other sessions."""

import pytest

from tests.console.conftest import PASSWORD, location, signed_in, text

NEW = "a new one with several words"


@pytest.mark.parametrize("path", ["/console/", "/console/users", "/console/2fa", "/console/x"])
def test_with_a_one_time_password_every_page_leads_to_choosing_a_password(
    browser, person, path
) -> None:
    newcomer = person("admin", forced=True)
    visitor = browser()
    assert location(visitor.sign_in(newcomer.email, newcomer.password)) == "/console/password"

    answer = visitor.get(path)

    assert answer.status_code == 303
    assert location(answer) == "/console/password"


def test_the_forced_change_asks_no_current_password_and_then_the_console_opens(
    browser, person
) -> None:
    newcomer = person("admin", forced=True)
    visitor = browser()
    visitor.sign_in(newcomer.email, newcomer.password)
    page = text(visitor.get("/console/password"))
    assert "The password you were given works only once." in page
    assert 'name="current_password"' not in page

    changed = visitor.post("/console/password", {"new_password": NEW, "repeat_password": NEW})

    assert location(changed) == "/console/"
    assert visitor.get("/console/users").status_code == 200
    assert browser().sign_in(newcomer.email, newcomer.password).status_code == 200
    assert browser().sign_in(newcomer.email, NEW).status_code == 303


@pytest.mark.parametrize(
    ("new", "repeated", "said"),
    [
        ("short one", "short one", "A password needs at least 12 characters."),
        (NEW, NEW + "!", "The two new passwords are not the same."),
        ("x" * 1025, "x" * 1025, "This password is too long."),
    ],
    ids=["too-short", "not-repeated", "too-long"],
)
def test_a_new_password_that_breaks_a_rule_is_refused_and_nothing_changes(
    browser, person, new, repeated, said
) -> None:
    newcomer = person("admin", forced=True)
    visitor = browser()
    visitor.sign_in(newcomer.email, newcomer.password)

    refused = visitor.post("/console/password", {"new_password": new, "repeat_password": repeated})

    assert refused.status_code == 200
    assert said in text(refused)
    assert location(visitor.get("/console/")) == "/console/password"


def test_the_one_time_password_cannot_be_kept(browser, person) -> None:
    newcomer = person("admin", forced=True)
    visitor = browser()
    visitor.sign_in(newcomer.email, newcomer.password)
    same = {"new_password": newcomer.password, "repeat_password": newcomer.password}

    refused = visitor.post("/console/password", same)

    assert "Choose a password other than the one you have." in text(refused)


def test_a_later_change_needs_the_current_password_and_ends_other_sessions(browser, person) -> None:
    who = person("admin")
    here, elsewhere = signed_in(browser(), who), signed_in(browser(), who)
    change = {"new_password": NEW, "repeat_password": NEW}

    wrong = here.post("/console/password", change | {"current_password": "not it"})
    assert "Your current password is not right." in text(wrong)

    done = here.post("/console/password", change | {"current_password": PASSWORD})
    assert location(done) == "/console/password?changed=1"
    assert here.get("/console/").status_code == 200
    assert location(elsewhere.get("/console/")).startswith("/console/login")

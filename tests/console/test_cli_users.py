"""`consent users create | list | disable | reset`, run as an operator runs them."""

import re

import pyotp
from sqlalchemy import select, update

from consent_service.adapters import orm
from consent_service.app import create_app
from consent_service.config import Settings, database_url
from plumbing.db import make_engine
from tests.console.conftest import Browser
from tests.processes import consent_cli


def test_create_prints_a_one_time_password_alone_on_the_last_line(environ) -> None:
    created = consent_cli(
        environ,
        "users",
        "create",
        "--email",
        "Aida@Shop.example",
        "--role",
        "admin",
        "--role",
        "privacy",
        "--name",
        "Aida",
    )

    assert created.returncode == 0, created.stderr
    lines = created.stdout.splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"[2-9a-z]{5}(-[2-9a-z]{5}){3}", lines[-1])
    app = create_app(Settings.from_env(environ))
    try:
        visitor = Browser(app.test_client())
        signed = visitor.sign_in("aida@shop.example", lines[-1])
        assert signed.headers["Location"] == "/console/password"
    finally:
        app.extensions["consent.engine"].dispose()


def test_list_shows_one_line_per_person_and_disable_ends_their_access(environ) -> None:
    for email, role in (("boss@shop.example", "admin"), ("mira@shop.example", "marketing")):
        assert (
            consent_cli(environ, "users", "create", "--email", email, "--role", role).returncode
            == 0
        )

    disabled = consent_cli(environ, "users", "disable", "--email", "MIRA@shop.example")
    listed = consent_cli(environ, "users", "list")

    assert disabled.returncode == 0, disabled.stderr
    boss, mira = listed.stdout.splitlines()
    assert boss.split("\t")[1:5] == ["boss@shop.example", "-", "admin", "password"]
    assert boss.endswith("\tactive")
    assert mira.split("\t")[1] == "mira@shop.example"
    assert "\tdisabled " in mira


def test_refusals_exit_non_zero_with_a_reason(environ) -> None:
    assert (
        consent_cli(
            environ, "users", "create", "--email", "a@shop.example", "--role", "admin"
        ).returncode
        == 0
    )

    again = consent_cli(environ, "users", "create", "--email", "A@shop.example", "--role", "admin")
    unknown_role = consent_cli(
        environ, "users", "create", "--email", "b@shop.example", "--role", "boss"
    )
    not_an_address = consent_cli(environ, "users", "create", "--email", "nobody", "--role", "admin")
    last_admin = consent_cli(environ, "users", "disable", "--email", "a@shop.example")
    nobody = consent_cli(environ, "users", "disable", "--email", "c@shop.example")

    assert again.returncode == 1 and "already signs in" in again.stderr
    assert unknown_role.returncode == 2 and "boss" in unknown_role.stderr
    assert not_an_address.returncode == 1 and "valid email address" in not_an_address.stderr
    assert last_admin.returncode == 1 and "manage people" in last_admin.stderr
    assert nobody.returncode == 1 and "Nobody has this address" in nobody.stderr


def test_reset_gives_a_new_one_time_password_and_removes_the_authenticator(environ) -> None:
    created = consent_cli(
        environ, "users", "create", "--email", "a@shop.example", "--role", "admin"
    )
    assert created.returncode == 0
    engine = make_engine(database_url(environ["CONSENT_DATABASE_URL"]))
    with engine.begin() as connection:
        connection.execute(update(orm.StaffUser).values(totp_secret=pyotp.random_base32()))

    reset = consent_cli(environ, "users", "reset", "--email", "A@shop.example")

    assert reset.returncode == 0, reset.stderr
    new_password = reset.stdout.splitlines()[-1]
    assert new_password != created.stdout.splitlines()[-1]
    with engine.connect() as connection:
        secret, forced = connection.execute(
            select(orm.StaffUser.totp_secret, orm.StaffUser.must_change_password)
        ).one()
    engine.dispose()
    assert (secret, forced) == (None, True)
    app = create_app(Settings.from_env(environ))
    try:
        signed = Browser(app.test_client()).sign_in("a@shop.example", new_password)
        assert signed.headers["Location"] == "/console/password"
    finally:
        app.extensions["consent.engine"].dispose()

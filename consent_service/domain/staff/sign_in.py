"""What a member of staff must still do before the console opens, and what a password must be.

A sign-in is more than one check. After the password (or the identity provider) the person may
still owe a one-time code from their authenticator app, a new password in place of the
one-time password an administrator gave them, or, when CONSOLE_REQUIRE_2FA=1, the enrolment
of an authenticator app. Until then their session opens only the page of that step. The code
comes first: a person who has an app proves they are themselves before anything else, even
before being asked for a new password.
"""

import secrets
from enum import StrEnum

MIN_PASSWORD_LENGTH = 12
"""Characters. NIST SP 800-63B asks for at least 8 where a password is the only factor; a
member of staff can erase people's data, so a little more."""
MAX_PASSWORD_LENGTH = 1024
"""Characters: a cheap request must not buy an expensive hash of a megabyte."""

ONE_TIME_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
"""No 0/o, 1/l/i: a one-time password is read aloud or copied by hand from a terminal."""
ONE_TIME_GROUPS, ONE_TIME_GROUP_LENGTH = 4, 5
"""20 characters of 31: about 99 bits, in groups a person can type without losing their place."""


class Step(StrEnum):
    CHECK_SECOND_FACTOR = "check-second-factor"
    CHANGE_PASSWORD = "change-password"  # noqa: S105 - a step's name
    ENROL_SECOND_FACTOR = "enrol-second-factor"
    DONE = "done"


def next_step(
    *,
    must_change_password: bool,
    has_second_factor: bool,
    second_factor_checked: bool,
    second_factor_required: bool,
) -> Step:
    """The step a signed-in person must take next; DONE when the console is open to them."""
    if has_second_factor and not second_factor_checked:
        return Step.CHECK_SECOND_FACTOR
    if must_change_password:
        return Step.CHANGE_PASSWORD
    if second_factor_required and not has_second_factor:
        return Step.ENROL_SECOND_FACTOR
    return Step.DONE


class PasswordProblem(StrEnum):
    TOO_SHORT = "too-short"
    TOO_LONG = "too-long"
    NOT_REPEATED = "not-repeated"
    """The two fields differ: a typo would lock the person out."""
    UNCHANGED = "unchanged"
    """The new password is the one it replaces (the one-time password, say): only the hash
    can tell, so the caller decides this one."""


def new_password_problem(new: str, repeated: str) -> PasswordProblem | None:
    """What is wrong with a new password, or None. Length counts characters, not bytes, so a
    Kyrgyz passphrase is held to the same rule as a Latin one; there are no composition rules
    (NIST SP 800-63B 5.1.1.2: they make passwords worse, not stronger)."""
    if new != repeated:
        return PasswordProblem.NOT_REPEATED
    if len(new) < MIN_PASSWORD_LENGTH:
        return PasswordProblem.TOO_SHORT
    if len(new) > MAX_PASSWORD_LENGTH:
        return PasswordProblem.TOO_LONG
    return None


def one_time_password() -> str:
    """A password for a new account, shown once and to be changed at first sign-in."""
    groups = (
        "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_GROUP_LENGTH))
        for _ in range(ONE_TIME_GROUPS)
    )
    return "-".join(groups)

"""The steps of a sign-in after the first check: a new password, an authenticator app's code.

A person given a one-time password sets their own before anything else opens
(domain/staff/sign_in.py). A person with an authenticator app types its code at every sign-in;
a code is accepted once: its time step must be later than the last one accepted for them
(RFC 6238 section 5.2), and wrong codes count towards the login throttle like wrong passwords.
Enrolling shows a new secret, kept with the session until a code made from it comes back.
"""

import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from consent_service.domain.staff.accounts import AuditAction, AuditEntry, user_target
from consent_service.domain.staff.sign_in import PasswordProblem, Step, new_password_problem
from consent_service.domain.staff.throttle import NO_WAIT
from consent_service.services.staff_sign_in import (
    PasswordChecker,
    Resumed,
    SessionStore,
    SignInRules,
    Waiting,
    login_wait,
    record_failure,
    session_hash,
    step_of,
)


class CodeChecker(Protocol):
    """Time-based one-time passwords (consent_service/adapters/totp.py)."""

    def new_secret(self) -> str: ...
    def verify(self, secret: str, code: str, at: datetime) -> int | None: ...


@dataclass(frozen=True)
class PasswordChanged:
    session_id: str
    """The session goes on under a new id; every other session of the person has ended."""
    step: Step


@dataclass(frozen=True)
class CurrentPasswordWrong:
    pass


def change_password(
    store: SessionStore,
    passwords: PasswordChecker,
    rules: SignInRules,
    resumed: Resumed,
    current: str,
    new: str,
    repeated: str,
    client: str,
    now: datetime,
) -> PasswordChanged | PasswordProblem | CurrentPasswordWrong | Waiting:
    """Set a new password. The current one is asked for unless this is the change forced at
    first sign-in, whose one-time password was typed a moment ago."""
    account, session = resumed.account, resumed.session
    stored = account.password_hash
    if stored is None:
        raise ValueError("Someone who signs in through the identity provider has no password.")
    if not account.must_change_password:
        key = _throttle_key(resumed)
        wait = login_wait(store, rules, key, client, now)
        if wait > NO_WAIT:
            return Waiting(wait)
        if not passwords.verify(stored, current):
            record_failure(store, rules, key, client, now)
            return CurrentPasswordWrong()
    problem = new_password_problem(new, repeated)
    if problem is None and passwords.verify(stored, new):
        problem = PasswordProblem.UNCHANGED
    if problem is not None:
        return problem
    changed = replace(account, password_hash=passwords.hash(new), must_change_password=False)
    store.save_account(changed)
    store.end_sessions_of(account.id)
    session_id = secrets.token_urlsafe(32)
    renewed = replace(session, id_hash=session_hash(session_id))
    store.add_session(renewed)
    store.record(
        AuditEntry(now, account.id, AuditAction.PASSWORD_CHANGED, user_target(account.id), client)
    )
    return PasswordChanged(session_id, step_of(changed, renewed, rules))


def _throttle_key(resumed: Resumed) -> str:
    """Wrong codes and wrong current passwords count against the person, not a typed address."""
    return f"staff:{resumed.account.id}"


def enrolment_secret(store: SessionStore, codes: CodeChecker, resumed: Resumed) -> str:
    """The secret to show for enrolling an app: the same one until the enrolment is done."""
    pending = resumed.session.pending_totp_secret
    if pending is None:
        pending = codes.new_secret()
        store.update_session(resumed.session, pending_totp_secret=pending)
    return pending


def enrol_second_factor(
    store: SessionStore,
    codes: CodeChecker,
    rules: SignInRules,
    resumed: Resumed,
    code: str,
    client: str,
    now: datetime,
) -> bool | Waiting:
    """Keep the pending secret as the person's second factor if `code` was made from it."""
    account, session = resumed.account, resumed.session
    key = _throttle_key(resumed)
    wait = login_wait(store, rules, key, client, now)
    if wait > NO_WAIT:
        return Waiting(wait)
    pending = session.pending_totp_secret
    step = codes.verify(pending, code, now) if pending and not account.has_second_factor else None
    if step is None:
        record_failure(store, rules, key, client, now)
        return False
    store.save_account(replace(account, totp_secret=pending, totp_last_step=step))
    store.update_session(session, pending_totp_secret=None, second_factor_at=now)
    store.record(
        AuditEntry(
            now, account.id, AuditAction.SECOND_FACTOR_ENROLLED, user_target(account.id), client
        )
    )
    return True


def check_second_factor(
    store: SessionStore,
    codes: CodeChecker,
    rules: SignInRules,
    resumed: Resumed,
    code: str,
    client: str,
    now: datetime,
) -> bool | Waiting:
    """Accept a code from the person's app once: a replayed code, or any code of a step not
    later than the last accepted, is refused (RFC 6238 section 5.2)."""
    account, session = resumed.account, resumed.session
    key = _throttle_key(resumed)
    wait = login_wait(store, rules, key, client, now)
    if wait > NO_WAIT:
        return Waiting(wait)
    secret = account.totp_secret
    step = codes.verify(secret, code, now) if secret else None
    last = account.totp_last_step
    if step is None or (last is not None and step <= last):
        record_failure(store, rules, key, client, now)
        return False
    store.save_account(replace(account, totp_last_step=step))
    store.update_session(session, second_factor_at=now)
    return True

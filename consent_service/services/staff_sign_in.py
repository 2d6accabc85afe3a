"""Signing in to the console, keeping a session, signing out (SPEC section 9, decision 0028).

A session is a row known by the SHA-256 of a random 256-bit id; only the id goes into the
person's cookie, and a new one at every sign-in (no fixation). A request resumes the session
while the idle and absolute timeouts allow (domain/staff/sessions.py), and the person's
account is read again each time, so a disabled person or changed roles take effect at the
next request. A password sign-in answers the same, after the same work, for an unknown
address as for a wrong password, and waits after repeated failures (domain/staff/throttle.py).
"""

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from consent_service.domain.emails import normalize_email
from consent_service.domain.errors import InvalidEmail
from consent_service.domain.staff.accounts import (
    AuditAction,
    AuditEntry,
    SignInMethod,
    StaffAccount,
    StaffSession,
    user_target,
)
from consent_service.domain.staff.roles import Role
from consent_service.domain.staff.sessions import SessionPolicy, SessionState
from consent_service.domain.staff.sign_in import Step, next_step
from consent_service.domain.staff.throttle import NO_WAIT, LoginThrottle, address_key

TOUCH_INTERVAL = timedelta(minutes=1)
"""The last-seen time is written at most this often: the idle timeout may end a minute early,
never late, and a busy person does not cost a write per request."""

MAX_PROVIDER_TEXT = {"email": 254, "name": 200}


class SessionStore(Protocol):
    """Accounts, sessions, login failures and the audit log, as sign-in needs them."""

    def add_account(self, account: StaffAccount) -> None: ...
    def save_account(self, account: StaffAccount) -> None: ...
    def account(self, user_id: uuid.UUID) -> StaffAccount | None: ...
    def account_by_address(self, key: str) -> StaffAccount | None: ...
    def account_by_provider(self, issuer: str, subject: str) -> StaffAccount | None: ...
    def add_session(self, session: StaffSession) -> None: ...
    def session(self, id_hash: bytes) -> StaffSession | None: ...
    def update_session(self, session: StaffSession, **changes: Any) -> StaffSession: ...
    def delete_session(self, id_hash: bytes) -> None: ...
    def end_sessions_of(self, user_id: uuid.UUID, keep: bytes | None = None) -> int: ...
    def delete_sessions_signed_in_before(self, moment: datetime) -> None: ...
    def failures(
        self, address_hash: bytes, client: str, since: datetime
    ) -> tuple[list[datetime], list[datetime]]: ...
    def add_failure(self, address_hash: bytes, client: str, at: datetime) -> None: ...
    def prune_failures(self, before: datetime) -> None: ...
    def record(self, entry: AuditEntry) -> None: ...


class PasswordChecker(Protocol):
    def verify(self, stored: str, password: str) -> bool: ...
    def needs_rehash(self, stored: str) -> bool: ...
    def hash(self, password: str) -> str: ...
    def verify_nobody(self, password: str) -> bool: ...


@dataclass(frozen=True)
class SignInRules:
    """The console's settings that sign-in follows."""

    sessions: SessionPolicy
    throttle: LoginThrottle
    second_factor_required: bool
    keyed_hash: Callable[[str], bytes]
    """A keyed hash (HMAC under the secret key) of a throttle key: the typed address is
    whatever someone typed, so it is not kept as such."""


@dataclass(frozen=True)
class SignedIn:
    session_id: str
    """For the cookie; the database holds only its SHA-256."""
    account: StaffAccount
    step: Step


@dataclass(frozen=True)
class Refused:
    """Unknown address, wrong password or disabled account: one answer for all three."""


@dataclass(frozen=True)
class Waiting:
    wait: timedelta


@dataclass(frozen=True)
class NoAccess:
    """The provider vouched for the person, but their groups give no role here, or an
    administrator disabled them."""

    disabled: bool


@dataclass(frozen=True)
class Resumed:
    """A request that belongs to a live session: its person and what they must do next."""

    session: StaffSession
    account: StaffAccount
    step: Step


@dataclass(frozen=True)
class Ended:
    """The session the cookie names is over (or never was): why, for the sign-in page."""

    state: SessionState | None


def session_hash(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).digest()


def step_of(account: StaffAccount, session: StaffSession, rules: SignInRules) -> Step:
    return next_step(
        must_change_password=account.must_change_password and not account.single_sign_on,
        has_second_factor=account.has_second_factor,
        second_factor_checked=session.second_factor_at is not None,
        second_factor_required=rules.second_factor_required,
    )


def _open_session(
    store: SessionStore,
    rules: SignInRules,
    account: StaffAccount,
    method: SignInMethod,
    client: str,
    now: datetime,
    replaced: str | None,
) -> SignedIn:
    """A new session with a new id; the browser's previous one, if any, ends."""
    if replaced:
        store.delete_session(session_hash(replaced))
    store.delete_sessions_signed_in_before(now - rules.sessions.absolute)
    session_id = secrets.token_urlsafe(32)
    session = StaffSession(session_hash(session_id), account.id, method, now, now)
    store.add_session(session)
    store.record(
        AuditEntry(
            now,
            account.id,
            AuditAction.SIGNED_IN,
            user_target(account.id),
            client,
            {"method": str(method)},
        )
    )
    return SignedIn(session_id, account, step_of(account, session, rules))


def login_wait(
    store: SessionStore, rules: SignInRules, key: str, client: str, now: datetime
) -> timedelta:
    """How long an attempt for this throttle key from this client must wait now."""
    by_key, by_client = store.failures(rules.keyed_hash(key), client, now - rules.throttle.window)
    return rules.throttle.login_wait(by_key, by_client, now)


def record_failure(
    store: SessionStore, rules: SignInRules, key: str, client: str, now: datetime
) -> None:
    store.prune_failures(now - rules.throttle.window)
    store.add_failure(rules.keyed_hash(key), client, now)


def _account_for(store: SessionStore, typed: str) -> StaffAccount | None:
    try:
        address = normalize_email(typed)
    except InvalidEmail:
        return None
    return store.account_by_address(address_key(address))


def sign_in_with_password(
    store: SessionStore,
    passwords: PasswordChecker,
    rules: SignInRules,
    typed_email: str,
    password: str,
    client: str,
    now: datetime,
    replaced: str | None = None,
) -> SignedIn | Refused | Waiting:
    """Check an address and a password; while the throttle says wait, check nothing at all."""
    key = address_key(typed_email)
    wait = login_wait(store, rules, key, client, now)
    if wait > NO_WAIT:
        return Waiting(wait)
    account = _account_for(store, typed_email)
    stored = account.password_hash if account is not None else None
    if account is None or stored is None:
        passwords.verify_nobody(password)  # the time a real check takes
        record_failure(store, rules, key, client, now)
        return Refused()
    if not passwords.verify(stored, password) or not account.active:
        record_failure(store, rules, key, client, now)
        return Refused()
    if passwords.needs_rehash(stored):
        account = replace(account, password_hash=passwords.hash(password))
        store.save_account(account)
    return _open_session(store, rules, account, SignInMethod.PASSWORD, client, now, replaced)


@dataclass(frozen=True)
class ProviderIdentity:
    """What a verified ID token says of a person, and the roles their groups give."""

    issuer: str
    subject: str
    email: str | None
    name: str | None
    roles: frozenset[Role]


def _provider_text(value: object, field: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[: MAX_PROVIDER_TEXT[field]]


def sign_in_with_provider(
    store: SessionStore,
    rules: SignInRules,
    identity: ProviderIdentity,
    client: str,
    now: datetime,
    replaced: str | None = None,
) -> SignedIn | NoAccess:
    """Sign in someone the identity provider vouched for, keyed by issuer and subject.

    Their roles are their groups' at this sign-in. Groups that give no role give no access,
    and nobody is created for them; someone known who lost every role keeps no session.
    """
    known = store.account_by_provider(identity.issuer, identity.subject)
    roles = frozenset(role.name for role in identity.roles)
    email = _provider_text(identity.email, "email")
    name = _provider_text(identity.name, "name")
    if known is None and not roles:
        return NoAccess(disabled=False)
    if known is None:
        account = StaffAccount(
            id=uuid.uuid4(),
            email=email,
            name=name,
            roles=roles,
            created_at=now,
            oidc_issuer=identity.issuer,
            oidc_subject=identity.subject,
        )
        store.add_account(account)
        _provider_audit(store, AuditAction.USER_CREATED_BY_PROVIDER, account, client, now)
    else:
        account = replace(known, email=email or known.email, name=name or known.name, roles=roles)
        if account != known:
            store.save_account(account)
        if account.roles != known.roles:
            store.end_sessions_of(account.id)
            before = sorted(known.roles)
            _provider_audit(
                store, AuditAction.ROLES_CHANGED_BY_PROVIDER, account, client, now, before=before
            )
    if not account.active:
        return NoAccess(disabled=True)
    if not roles:
        return NoAccess(disabled=False)
    return _open_session(store, rules, account, SignInMethod.SINGLE_SIGN_ON, client, now, replaced)


def _provider_audit(
    store: SessionStore,
    action: AuditAction,
    account: StaffAccount,
    client: str,
    now: datetime,
    **details: object,
) -> None:
    details = details | {"roles": sorted(account.roles)}
    store.record(AuditEntry(now, None, action, user_target(account.id), client, details))


def resume(
    store: SessionStore, rules: SignInRules, session_id: str | None, now: datetime
) -> Resumed | Ended:
    """The session a request's cookie names, if it is still on; its last-seen time moves on."""
    if not session_id:
        return Ended(None)
    session = store.session(session_hash(session_id))
    if session is None:
        return Ended(None)
    state = rules.sessions.state(session.signed_in_at, session.last_seen_at, now)
    account = store.account(session.user_id)
    if state is not SessionState.ACTIVE or account is None or not account.active:
        store.delete_session(session.id_hash)
        return Ended(state if state is not SessionState.ACTIVE else None)
    if now - session.last_seen_at >= TOUCH_INTERVAL:
        session = store.update_session(session, last_seen_at=now)
    return Resumed(session, account, step_of(account, session, rules))


def sign_out(store: SessionStore, session_id: str, client: str, now: datetime) -> None:
    """End this session now (a session already over is no error)."""
    session = store.session(session_hash(session_id))
    if session is None:
        return
    store.delete_session(session.id_hash)
    store.record(
        AuditEntry(
            now, session.user_id, AuditAction.SIGNED_OUT, user_target(session.user_id), client
        )
    )


def set_language(store: SessionStore, account: StaffAccount, language: str) -> StaffAccount:
    """Remember the language the person chose, for the next browser they sign in from."""
    if account.language == language:
        return account
    changed = replace(account, language=language)
    store.save_account(changed)
    return changed

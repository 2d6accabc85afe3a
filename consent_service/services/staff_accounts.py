"""Staff accounts: create, list, change roles, disable; each change in the console audit log.

Called by `consent users` (the command line, which holds the database and so every scope) and
by the console's users page (a person, with their own scopes). Nobody gives a role they do not
fully hold, or manages someone who holds more than they do (domain/staff/roles.py); nobody
disables themselves, and the console always keeps an active person who can manage the others.
Disabling a person or changing their roles ends their sessions at once.
"""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from consent_service.domain.emails import normalize_email
from consent_service.domain.errors import Conflict, DomainError
from consent_service.domain.staff.accounts import (
    AuditAction,
    AuditEntry,
    StaffAccount,
    user_target,
)
from consent_service.domain.staff.roles import (
    SCOPES,
    USERS_ADMIN,
    UnknownRole,
    may_grant,
    may_manage,
    role_named,
)
from consent_service.domain.staff.sign_in import one_time_password
from consent_service.domain.staff.throttle import address_key


class AccountStore(Protocol):
    """The accounts and the audit log, as these use cases need them (SqlStaffStore)."""

    def add_account(self, account: StaffAccount) -> None: ...
    def save_account(self, account: StaffAccount) -> None: ...
    def account(self, user_id: uuid.UUID) -> StaffAccount | None: ...
    def account_by_address(self, key: str) -> StaffAccount | None: ...
    def accounts(self) -> list[StaffAccount]: ...
    def end_sessions_of(self, user_id: uuid.UUID, keep: bytes | None = None) -> int: ...
    def record(self, entry: AuditEntry) -> None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...


@dataclass(frozen=True)
class Acting:
    """Who makes a change, with what power, from where."""

    user_id: uuid.UUID | None
    """None: the command line."""
    scopes: frozenset[str]
    client_address: str | None = None


COMMAND_LINE = Acting(None, frozenset(SCOPES))
"""`consent users` runs with the database's own credentials: it may do anything."""


class AccountNotFound(DomainError):
    pass


class AccountExists(Conflict):
    field = "email"


class RolesRefused(DomainError):
    """A role missing, unknown, or more than the person acting may give."""

    field = "roles"


class NoRole(RolesRefused):
    pass


class UnknownRoleGiven(RolesRefused):
    pass


class RoleNotYours(RolesRefused):
    """Nobody gives a role they do not fully hold."""


class NotYours(DomainError):
    """The person acting may not manage this account (it holds more than they do)."""


class RolesFromProvider(DomainError):
    """Someone who signs in through the identity provider has the roles their groups give."""

    field = "roles"


class LastAdministrator(Conflict):
    """The change would leave nobody active who can manage people."""


class SelfDisable(Conflict):
    pass


def _roles(acting: Acting, names: list[str]) -> frozenset[str]:
    if not names:
        raise NoRole("Give at least one role.")
    try:
        roles = [role_named(name) for name in names]
    except UnknownRole as error:
        raise UnknownRoleGiven(str(error)) from None
    refused = sorted(role.name for role in roles if not may_grant(acting.scopes, role))
    if refused:
        raise RoleNotYours(f"You may not give the role(s) {', '.join(refused)}.")
    return frozenset(role.name for role in roles)


def _audit(
    store: AccountStore,
    acting: Acting,
    action: AuditAction,
    account: StaffAccount,
    now: datetime,
    **details: object,
) -> None:
    target = user_target(account.id)
    store.record(AuditEntry(now, acting.user_id, action, target, acting.client_address, details))


def create_account(
    store: AccountStore,
    passwords: PasswordHasher,
    acting: Acting,
    email: str,
    role_names: list[str],
    now: datetime,
    name: str | None = None,
) -> tuple[StaffAccount, str]:
    """A new account signing in with a password; answers it and its one-time password, which
    is shown once and must be changed at the first sign-in."""
    address = normalize_email(email)
    roles = _roles(acting, role_names)
    if store.account_by_address(address_key(address)) is not None:
        raise AccountExists(f"Someone already signs in as {address}.")
    password = one_time_password()
    account = StaffAccount(
        id=uuid.uuid4(),
        email=address,
        name=(name or "").strip() or None,
        roles=roles,
        created_at=now,
        password_hash=passwords.hash(password),
        must_change_password=True,
    )
    store.add_account(account)
    _audit(
        store, acting, AuditAction.USER_CREATED, account, now, email=address, roles=sorted(roles)
    )
    return account, password


def list_accounts(store: AccountStore) -> list[StaffAccount]:
    """Everyone, disabled people too, oldest first."""
    return store.accounts()


def account(store: AccountStore, user_id: uuid.UUID) -> StaffAccount:
    found = store.account(user_id)
    if found is None:
        raise AccountNotFound(f"No member of staff {user_id}.")
    return found


def accounts_with_address(store: AccountStore, email: str) -> list[StaffAccount]:
    """The accounts with this address, case aside: the one that signs in with a password as
    it, and any that signed in through the provider with it."""
    key = address_key(email)
    return [found for found in store.accounts() if found.email and address_key(found.email) == key]


def _managed(store: AccountStore, acting: Acting, user_id: uuid.UUID) -> StaffAccount:
    target = account(store, user_id)
    if not may_manage(acting.scopes, target.scopes):
        raise NotYours("You may not change someone who may do more than you.")
    return target


def _administers(person: StaffAccount) -> bool:
    return person.active and USERS_ADMIN in person.scopes


def _keeps_an_administrator(store: AccountStore, before: StaffAccount, after: StaffAccount) -> None:
    """Refuse a change that takes away the last active person who can manage people."""
    if not _administers(before) or _administers(after):
        return
    if not any(_administers(other) for other in store.accounts() if other.id != before.id):
        raise LastAdministrator("Someone active must still be able to manage people.")


def change_roles(
    store: AccountStore, acting: Acting, user_id: uuid.UUID, role_names: list[str], now: datetime
) -> StaffAccount:
    """Give the person exactly these roles; their sessions end, so the change holds at once."""
    target = _managed(store, acting, user_id)
    if target.single_sign_on:
        raise RolesFromProvider("This person's roles come from their groups at the provider.")
    roles = _roles(acting, role_names)
    if roles == target.roles:
        return target
    changed = replace(target, roles=roles)
    _keeps_an_administrator(store, target, changed)
    store.save_account(changed)
    store.end_sessions_of(changed.id)
    _audit(
        store,
        acting,
        AuditAction.ROLES_CHANGED,
        changed,
        now,
        before=sorted(target.roles),
        after=sorted(roles),
    )
    return changed


def disable_account(
    store: AccountStore, acting: Acting, user_id: uuid.UUID, now: datetime
) -> StaffAccount:
    """Disable the person (again changes nothing); every session of theirs ends now."""
    if user_id == acting.user_id:
        raise SelfDisable("You cannot disable yourself; ask another administrator.")
    target = _managed(store, acting, user_id)
    if not target.active:
        return target
    disabled = replace(target, disabled_at=now)
    _keeps_an_administrator(store, target, disabled)
    store.save_account(disabled)
    ended = store.end_sessions_of(disabled.id)
    _audit(store, acting, AuditAction.USER_DISABLED, disabled, now, sessions_ended=ended)
    return disabled


def reset_sign_in(
    store: AccountStore,
    passwords: PasswordHasher,
    acting: Acting,
    user_id: uuid.UUID,
    now: datetime,
) -> str | None:
    """For someone who forgot their password or lost their authenticator: a new one-time
    password (None for someone who signs in through the provider, whose password is there),
    the second factor removed so that they enrol again, every session ended."""
    target = _managed(store, acting, user_id)
    password = None if target.single_sign_on else one_time_password()
    reset = replace(
        target,
        password_hash=passwords.hash(password) if password else None,
        must_change_password=password is not None,
        totp_secret=None,
        totp_last_step=None,
    )
    store.save_account(reset)
    store.end_sessions_of(reset.id)
    _audit(store, acting, AuditAction.SIGN_IN_RESET, reset, now)
    return password

"""The staff account rules in services/staff_accounts.py, on an in-memory store: no database,
so every combination of scopes can be tried, including roles that do not exist yet."""

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent_service.domain.staff.accounts import AuditEntry, StaffAccount
from consent_service.domain.staff.roles import ROLES, SCOPES, USERS_ADMIN, may_grant
from consent_service.services import staff_accounts
from consent_service.services.staff_accounts import (
    COMMAND_LINE,
    Acting,
    LastAdministrator,
    NotYours,
    RoleNotYours,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class MemoryStaff:
    """AccountStore in memory: what SqlStaffStore keeps, with nothing else."""

    def __init__(self) -> None:
        self.accounts_by_id: dict[uuid.UUID, StaffAccount] = {}
        self.sessions: dict[uuid.UUID, int] = {}
        self.log: list[AuditEntry] = []

    def add_account(self, account: StaffAccount) -> None:
        self.accounts_by_id[account.id] = account

    def save_account(self, account: StaffAccount) -> None:
        self.accounts_by_id[account.id] = account

    def account(self, user_id: uuid.UUID) -> StaffAccount | None:
        return self.accounts_by_id.get(user_id)

    def account_by_address(self, key: str) -> StaffAccount | None:
        return next(
            (a for a in self.accounts_by_id.values() if a.email and a.email.casefold() == key),
            None,
        )

    def accounts(self) -> list[StaffAccount]:
        return list(self.accounts_by_id.values())

    def end_sessions_of(self, user_id: uuid.UUID, keep: bytes | None = None) -> int:
        return self.sessions.pop(user_id, 0)

    def record(self, entry: AuditEntry) -> None:
        self.log.append(entry)


class PlainHasher:
    def hash(self, password: str) -> str:
        return f"hashed:{password}"


def add(store: MemoryStaff, *roles: str) -> StaffAccount:
    account, _ = staff_accounts.create_account(
        store, PlainHasher(), COMMAND_LINE, f"{uuid.uuid4().hex[:8]}@shop.example", list(roles), NOW
    )
    return account


scope_sets = st.frozensets(st.sampled_from(sorted(SCOPES))).map(lambda s: s | {USERS_ADMIN})


@given(held=scope_sets, role=st.sampled_from(sorted(ROLES)))
def test_a_manager_with_part_of_the_scopes_gives_only_roles_inside_them(held, role) -> None:
    store = MemoryStaff()
    acting = Acting(uuid.uuid4(), held)

    if may_grant(held, ROLES[role]):
        account, _ = staff_accounts.create_account(
            store, PlainHasher(), acting, "new@shop.example", [role], NOW
        )
        assert account.roles == {role}
    else:
        with pytest.raises(RoleNotYours):
            staff_accounts.create_account(
                store, PlainHasher(), acting, "new@shop.example", [role], NOW
            )
        assert store.accounts() == [] and store.log == []


@given(held=scope_sets, role=st.sampled_from(sorted(ROLES)))
def test_a_manager_never_disables_someone_who_holds_more(held, role) -> None:
    store = MemoryStaff()
    add(store, "admin")  # someone else still manages people
    target = add(store, role)
    store.log.clear()

    if ROLES[role].scopes <= held:
        staff_accounts.disable_account(store, Acting(uuid.uuid4(), held), target.id, NOW)
        assert not store.account(target.id).active
    else:
        with pytest.raises(NotYours):
            staff_accounts.disable_account(store, Acting(uuid.uuid4(), held), target.id, NOW)
        assert store.account(target.id).active and store.log == []


def test_the_last_administrator_is_neither_disabled_nor_demoted() -> None:
    store = MemoryStaff()
    only, other = add(store, "admin"), add(store, "support")

    with pytest.raises(LastAdministrator):
        staff_accounts.disable_account(store, COMMAND_LINE, only.id, NOW)
    with pytest.raises(LastAdministrator):
        staff_accounts.change_roles(store, COMMAND_LINE, only.id, ["privacy"], NOW)
    staff_accounts.disable_account(store, COMMAND_LINE, other.id, NOW)  # others are fine


def test_changing_roles_ends_the_persons_sessions() -> None:
    store = MemoryStaff()
    add(store, "admin")
    target = add(store, "marketing")
    store.sessions[target.id] = 2

    staff_accounts.change_roles(store, COMMAND_LINE, target.id, ["sender"], NOW)

    assert target.id not in store.sessions
    assert store.log[-1].details == {"before": ["marketing"], "after": ["sender"]}

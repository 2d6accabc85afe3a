"""The console's staff in the registry's database: accounts, sessions, login failures, audit.

`SqlStaffStore` is what the staff services' ports (services/staff_accounts.py, staff_sign_in.py,
dashboard.py) are in production; the caller owns the transaction. The audit log has a writer and
a reader here and nothing else: there is no statement that changes or removes an entry, and the
database refuses one written by hand (migration 0008).
"""

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from consent_service.domain.staff.accounts import (
    AuditAction,
    AuditEntry,
    SignInMethod,
    StaffAccount,
    StaffSession,
)
from consent_service.domain.staff.throttle import address_key

_U = orm.StaffUser.__table__
_S = orm.StaffSession.__table__
_F = orm.LoginFailure.__table__
_A = orm.ConsoleAuditEntry.__table__


def _account(row: Any) -> StaffAccount:
    values = dict(row._mapping)
    values.pop("email_key")
    return StaffAccount(**values | {"roles": frozenset(values["roles"])})


def _account_values(account: StaffAccount) -> dict[str, Any]:
    """The row of an account: its address is its key only if it signs in with a password."""
    values = {name: getattr(account, name) for name in StaffAccount.__dataclass_fields__}
    values["roles"] = sorted(account.roles)
    key = None if account.single_sign_on or account.email is None else address_key(account.email)
    return values | {"email_key": key}


def _session(row: Any) -> StaffSession:
    values = dict(row._mapping)
    return StaffSession(**values | {"method": SignInMethod(values["method"])})


class SqlStaffStore:
    """Accounts, sessions, failures and the audit log on one registry transaction."""

    def __init__(self, registry: SqlRepository) -> None:
        self._connection = registry.connection

    # accounts
    def add_account(self, account: StaffAccount) -> None:
        self._connection.execute(insert(_U).values(_account_values(account)))

    def save_account(self, account: StaffAccount) -> None:
        values = _account_values(account)
        values.pop("id")
        self._connection.execute(update(_U).where(_U.c.id == account.id).values(values))

    def account(self, user_id: uuid.UUID) -> StaffAccount | None:
        row = self._connection.execute(select(_U).where(_U.c.id == user_id)).first()
        return _account(row) if row else None

    def account_by_address(self, key: str) -> StaffAccount | None:
        """The account that signs in with a password as this casefolded address."""
        row = self._connection.execute(select(_U).where(_U.c.email_key == key)).first()
        return _account(row) if row else None

    def account_by_provider(self, issuer: str, subject: str) -> StaffAccount | None:
        query = select(_U).where(_U.c.oidc_issuer == issuer, _U.c.oidc_subject == subject)
        row = self._connection.execute(query).first()
        return _account(row) if row else None

    def accounts(self) -> list[StaffAccount]:
        rows = self._connection.execute(select(_U).order_by(_U.c.created_at, _U.c.id))
        return [_account(row) for row in rows]

    # sessions
    def add_session(self, session: StaffSession) -> None:
        values = {name: getattr(session, name) for name in StaffSession.__dataclass_fields__}
        self._connection.execute(insert(_S).values(values | {"method": str(session.method)}))

    def session(self, id_hash: bytes) -> StaffSession | None:
        row = self._connection.execute(select(_S).where(_S.c.id_hash == id_hash)).first()
        return _session(row) if row else None

    def update_session(self, session: StaffSession, **changes: Any) -> StaffSession:
        self._connection.execute(update(_S).where(_S.c.id_hash == session.id_hash).values(changes))
        return replace(session, **changes)

    def delete_session(self, id_hash: bytes) -> None:
        self._connection.execute(delete(_S).where(_S.c.id_hash == id_hash))

    def end_sessions_of(self, user_id: uuid.UUID, keep: bytes | None = None) -> int:
        """Delete every session of the person (but `keep`); how many ended."""
        statement = delete(_S).where(_S.c.user_id == user_id)
        if keep is not None:
            statement = statement.where(_S.c.id_hash != keep)
        return self._connection.execute(statement).rowcount

    def delete_sessions_signed_in_before(self, moment: datetime) -> None:
        """Sessions past their absolute timeout that nobody came back to end."""
        self._connection.execute(delete(_S).where(_S.c.signed_in_at < moment))

    # login failures
    def failures(
        self, address_hash: bytes, client: str, since: datetime
    ) -> tuple[list[datetime], list[datetime]]:
        """The failure times since `since` for the typed address, and for the client."""
        recent = select(_F.c.failed_at).where(_F.c.failed_at > since)
        by_address = self._connection.execute(recent.where(_F.c.address_hash == address_hash))
        by_client = self._connection.execute(recent.where(_F.c.client == client))
        return [row[0] for row in by_address], [row[0] for row in by_client]

    def add_failure(self, address_hash: bytes, client: str, at: datetime) -> None:
        values = {"address_hash": address_hash, "client": client, "failed_at": at}
        self._connection.execute(insert(_F).values(values))

    def prune_failures(self, before: datetime) -> None:
        self._connection.execute(delete(_F).where(_F.c.failed_at < before))

    # the console audit log: written and read, never changed
    def record(self, entry: AuditEntry) -> None:
        values = {name: getattr(entry, name) for name in AuditEntry.__dataclass_fields__}
        self._connection.execute(insert(_A).values(values | {"action": str(entry.action)}))

    def audit_entries(self, limit: int = 100) -> list[AuditEntry]:
        """The newest entries first."""
        columns = [_A.c[name] for name in AuditEntry.__dataclass_fields__]
        query = select(*columns).order_by(_A.c.id.desc()).limit(limit)
        return [
            AuditEntry(**dict(row._mapping) | {"action": AuditAction(row.action)})
            for row in self._connection.execute(query)
        ]

    def audit_entries_before(self, before: int | None, limit: int) -> list[tuple[int, AuditEntry]]:
        """Up to `limit` entries with ids below `before` (all when None), newest first, each
        with its id: the cursor of the page after it."""
        columns = [_A.c.id, *(_A.c[name] for name in AuditEntry.__dataclass_fields__)]
        query = select(*columns).order_by(_A.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(_A.c.id < before)
        found = []
        for row in self._connection.execute(query):
            values = dict(row._mapping)
            entry_id = values.pop("id")
            found.append((entry_id, AuditEntry(**values | {"action": AuditAction(row.action)})))
        return found

    def audit_count(self) -> int:
        return self._connection.execute(select(func.count()).select_from(_A)).scalar_one()

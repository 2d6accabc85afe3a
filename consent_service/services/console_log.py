"""The console audit log as its page shows it: newest first, a page at a time.

The log is only ever appended to (adapters/staff_store.py, migration 0008); reading it pages
by the id of the oldest entry shown (`before`), so a page stays the same while new entries
arrive above it.
"""

import uuid
from dataclasses import dataclass
from typing import Protocol

from consent_service.domain.staff.accounts import AuditEntry, StaffAccount

PAGE = 50


class AuditLog(Protocol):
    """Where a service writes what a member of staff did (the store's writer)."""

    def record(self, entry: AuditEntry) -> None: ...


class AuditLogReader(Protocol):
    def audit_entries_before(
        self, before: int | None, limit: int
    ) -> list[tuple[int, AuditEntry]]: ...

    def accounts(self) -> list[StaffAccount]: ...


@dataclass(frozen=True)
class LogPage:
    entries: list[tuple[int, AuditEntry]]
    older: int | None
    """The `before` of the next (older) page; None on the last."""
    names: dict[uuid.UUID, str]
    """Who each entry's `user_id` is, as the console names them."""


def page(store: AuditLogReader, before: int | None, size: int = PAGE) -> LogPage:
    found = store.audit_entries_before(before, size + 1)
    shown = found[:size]
    older = shown[-1][0] if len(found) > size else None
    names = {account.id: account.shown_name for account in store.accounts()}
    return LogPage(shown, older, names)

"""Random histories of consent changes for the running counts' property tests.

A history is a list of steps: a person's yes or no on a form, a withdrawal, a confirmed
address, an erasure, an import of a few rows, each on one of a few days. `play` runs a
history through the services on any unit of work (the in-memory fakes, SQLite or
PostgreSQL); the tests then compare the running counts with a fresh count of the rows.
"""

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from consent_service.domain.consent import ConsentStatus
from consent_service.domain.emails import email_key
from consent_service.domain.errors import DomainError
from consent_service.domain.ledger import StoredEntry
from consent_service.domain.tallies import local_day
from consent_service.services.changes import ChangeContext, ConfirmLinks
from consent_service.services.consents import (
    Decisions,
    confirm_email,
    record_decisions,
    set_consent,
)
from consent_service.services.erasure import Erasure, erase
from consent_service.services.importing import Importer
from consent_service.services.ports import UnitOfWork

POLICY = "2026-11-01"
SECRET = "test-secret"
START = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)
"""23:30 in Bishkek: six hours on, it is the next day there, not in UTC."""
PURPOSES = ("newsletters", "promotions", "surveys")
DOUBLE_OPT_IN = frozenset({"promotions"})
PEOPLE = 4
LINKS = ConfirmLinks(SECRET, "https://shop.example.kg")


def address(person: int) -> str:
    return f"person{person}@example.kg"


people = st.integers(0, PEOPLE - 1)
hours = st.integers(0, 60)
step = st.one_of(
    st.tuples(st.just("form"), people, st.sampled_from(PURPOSES), st.booleans(), hours),
    st.tuples(st.just("withdraw"), people, st.sampled_from(PURPOSES), hours),
    st.tuples(st.just("confirm"), people, hours),
    st.tuples(st.just("erase"), people, hours),
    st.tuples(
        st.just("import"),
        st.lists(
            st.tuples(people, st.sampled_from(PURPOSES), st.sampled_from(["granted", "withdrawn"])),
            min_size=1,
            max_size=4,
        ),
        hours,
    ),
)
histories = st.lists(step, min_size=1, max_size=12)


def _context(source: str, now: datetime) -> ChangeContext:
    return ChangeContext(source=source, actor="ck-test", policy_version=POLICY, now=now)


def _subject_id(uow: UnitOfWork, person: int) -> uuid.UUID | None:
    with uow.reading() as registry:
        found = registry.subject_by_email_key(email_key(address(person)))
        return found.id if found else None


def _form(uow: UnitOfWork, person: int, purpose: str, wants: bool, now: datetime) -> None:
    decisions = Decisions(address(person), {purpose: wants}, "registration", "ck-test", "ky")
    with uow.transaction() as registry:
        record_decisions(
            registry,
            decisions,
            default_locale="ky",
            double_opt_in=DOUBLE_OPT_IN,
            now=now,
            links=LINKS,
            suppression_keys=(SECRET,),
        )


def _on_subject(uow: UnitOfWork, person: int, now: datetime, action: str, *args: Any) -> None:
    subject_id = _subject_id(uow, person)
    if subject_id is None:
        return
    with uow.transaction() as registry:
        if action == "withdraw":
            context = _context("preference_center", now)
            set_consent(
                registry,
                subject_id,
                args[0],
                ConsentStatus.WITHDRAWN,
                context,
                DOUBLE_OPT_IN,
                links=None,
            )
        elif action == "confirm":
            confirm_email(registry, subject_id, _context("double_opt_in", now))
        else:
            erase(registry, subject_id, Erasure("admin", "ck-test", now), SECRET)


def _import(uow: UnitOfWork, rows: list[tuple[int, str, str]], now: datetime) -> None:
    raw = [
        {
            "email": address(person),
            "purpose": purpose,
            "status": status,
            "consented_at": (now - timedelta(days=3)).isoformat(),
            "source": "checkout",
            "policy_version": POLICY,
        }
        for person, purpose, status in rows
    ]
    importer = Importer(
        uow, actor="ops", default_locale="ky", secret_keys=(SECRET,), clock=lambda: now
    )
    importer.run(enumerate(raw, start=2), lambda *_rejected: None)


def play(uow: UnitOfWork, history: list[tuple[Any, ...]]) -> None:
    """Run every step; a step the rules refuse (an erased address on an import, say) is a
    step a person could take too, and leaves the counts as they were."""
    for kind, *args in history:
        now = START + timedelta(hours=args[-1])
        try:
            if kind == "form":
                _form(uow, args[0], args[1], args[2], now)
            elif kind == "withdraw":
                _on_subject(uow, args[0], now, "withdraw", args[1])
            elif kind in ("confirm", "erase"):
                _on_subject(uow, args[0], now, kind)
            else:
                _import(uow, args[0], now)
        except DomainError:
            pass


@dataclass(frozen=True)
class Counts:
    per_status: dict[tuple[str, str], int]
    people: int
    per_day: dict[date, tuple[int, int]]


def counted_from_ledger(entries: list[StoredEntry]) -> dict[date, tuple[int, int]]:
    """Sign-ups and withdrawals per Bishkek day, from the ledger itself."""
    grants: Counter[date] = Counter()
    withdrawals: Counter[date] = Counter()
    for entry in entries:
        record = entry.record
        day = local_day(record.recorded_at)
        if record.status == "granted":
            grants[day] += 1
        elif record.status == "withdrawn" and record.previous_status == "granted":
            withdrawals[day] += 1
    return {day: (grants[day], withdrawals[day]) for day in grants | withdrawals}


def without_zeros(counts: dict[Any, int]) -> dict[Any, int]:
    return {key: n for key, n in counts.items() if n}

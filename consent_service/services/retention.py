"""Retention: `consent purge` and the scheduler's daily run (rules in domain/retention.py).

Nothing is removed behind the other services' backs. A pending consent expires through the
normal write path (`services.changes.write_changes`, source `expiry`), so the ledger proves
it and the mailer hears of it; an inactive subject is erased by `services.erasure.erase`,
exactly as if the person had asked. Each subject is looked at again under its lock before
anything happens to it, so someone who signs up while a purge runs keeps their consent.
Subjects are handled `batch_size` at a time, one transaction per batch.
"""

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime

from consent_service.domain.consent import (
    ConsentStatus,
    Source,
    SubjectConsents,
    is_pending_expired,
)
from consent_service.domain.retention import (
    DELETED_BY_DATE,
    DESCRIPTIONS,
    RULES,
    RetentionRules,
    Rule,
    is_inactive,
)
from consent_service.services.changes import write_changes
from consent_service.services.consents import change_context
from consent_service.services.erasure import Erasure, erase
from consent_service.services.ports import Repository, UnitOfWork

RETENTION_ACTOR = "retention"
"""The ledger's actor for what the purge does: no person and no API key asked for it."""

Progress = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]
"""Opened per rule with its label and number of items; gives the callback that advances it."""


@contextmanager
def no_progress(_label: str, _total: int) -> Iterator[Callable[[int], None]]:
    yield lambda _n: None


class Retention:
    """Applies the retention rules to the registry's database."""

    def __init__(
        self,
        uow: UnitOfWork,
        rules: RetentionRules,
        secret_key: str,
        *,
        batch_size: int = 100,
    ) -> None:
        self.uow = uow
        self.rules = rules
        self.secret_key = secret_key
        self.batch_size = batch_size

    def plan(self, now: datetime) -> dict[Rule, int]:
        """What a purge at `now` would remove or change, per rule; changes nothing."""
        with self.uow.reading() as registry:
            inactive = set(self._inactive(registry, now))
            pending = self._pending(registry, now)
            counts = {
                Rule.INACTIVE_SUBJECTS: len(inactive),
                Rule.PENDING_CONSENTS: sum(n for s, n in pending.items() if s not in inactive),
            }
            for rule in DELETED_BY_DATE:
                cutoff = self.rules.cutoff(rule, now)
                counts[rule] = registry.retention.count_before(rule, cutoff)
        return {rule: counts[rule] for rule in RULES}

    def purge(self, now: datetime, progress: Progress = no_progress) -> dict[Rule, int]:
        """Apply every rule in order; returns how many items each removed or changed."""
        done = {}
        with self.uow.reading() as registry:
            inactive = self._inactive(registry, now)
        with progress(DESCRIPTIONS[Rule.INACTIVE_SUBJECTS], len(inactive)) as advance:
            done[Rule.INACTIVE_SUBJECTS] = self._in_batches(inactive, self._erase, now, advance)
        if done[Rule.INACTIVE_SUBJECTS]:
            self.uow.forget_deleted()  # erased addresses out of the database's files too
        with self.uow.reading() as registry:
            pending = self._pending(registry, now)
        label = f"{DESCRIPTIONS[Rule.PENDING_CONSENTS]} (by subject)"
        with progress(label, len(pending)) as advance:
            done[Rule.PENDING_CONSENTS] = self._in_batches(
                list(pending), self._expire, now, advance
            )
        for rule in DELETED_BY_DATE:
            cutoff = self.rules.cutoff(rule, now)
            with self.uow.transaction() as registry:
                total = registry.retention.count_before(rule, cutoff)
                with progress(DESCRIPTIONS[rule], total) as advance:
                    done[rule] = registry.retention.delete_before(rule, cutoff)
                    advance(done[rule])
        return done

    def _inactive(self, registry: Repository, now: datetime) -> list[uuid.UUID]:
        cutoff = self.rules.cutoff(Rule.INACTIVE_SUBJECTS, now)
        return registry.retention.inactive_subjects(cutoff)

    def _pending(self, registry: Repository, now: datetime) -> dict[uuid.UUID, int]:
        cutoff = self.rules.cutoff(Rule.PENDING_CONSENTS, now)
        return registry.retention.expired_pending(cutoff)

    def _in_batches(
        self,
        ids: Sequence[uuid.UUID],
        each: Callable[[Repository, uuid.UUID, datetime], int],
        now: datetime,
        advance: Callable[[int], None],
    ) -> int:
        done = 0
        for start in range(0, len(ids), self.batch_size):
            chunk = ids[start : start + self.batch_size]
            with self.uow.transaction() as registry:
                done += sum(each(registry, subject_id, now) for subject_id in chunk)
            advance(len(chunk))
        return done

    def _erase(self, registry: Repository, subject_id: uuid.UUID, now: datetime) -> int:
        """Erase the subject if it is still inactive once locked; 1 if erased."""
        subject = registry.subject_by_id(subject_id, for_update=True)
        if subject is None:
            return 0
        statuses = [row.status for row in registry.consents_of(subject.id).values()]
        if not is_inactive(subject.updated_at, statuses, now, self.rules.inactive):
            return 0
        context = Erasure(source=Source.EXPIRY.value, actor=RETENTION_ACTOR, now=now)
        erase(registry, subject.id, context, self.secret_key)
        return 1

    def _expire(self, registry: Repository, subject_id: uuid.UUID, now: datetime) -> int:
        """Withdraw the subject's expired pending consents; how many there were."""
        subject = registry.subject_by_id(subject_id, for_update=True)
        if subject is None:
            return 0
        existing = registry.consents_of(subject.id)
        consents = SubjectConsents(
            version=subject.version,
            email_confirmed=subject.email_confirmed_at is not None,
            statuses={p: ConsentStatus(row.status) for p, row in existing.items()},
        )
        for purpose, row in sorted(existing.items()):
            pending = row.status == ConsentStatus.PENDING.value
            if pending and is_pending_expired(row.updated_at, now, self.rules.pending):
                consents.expire(purpose)
        if consents.changes:
            context = change_context(
                registry, source=Source.EXPIRY.value, actor=RETENTION_ACTOR, now=now
            )
            write_changes(registry, subject, consents.changes, existing, context)
        return len(consents.changes)

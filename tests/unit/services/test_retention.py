"""Retention through the service: who is erased, which pending consents expire, what dated
rows go, and that each subject is looked at again before anything happens to it."""

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from consent_service.domain.retention import RetentionRules, Rule
from consent_service.services import audit
from consent_service.services.idempotency import replay_or_run
from consent_service.services.ports.links import TokenUse
from consent_service.services.retention import RETENTION_ACTOR, Retention
from tests.fakes.jobs import FakeRetentionCandidates
from tests.fakes.registry import FakeRepository
from tests.unit.services.conftest import NOW, SECRET
from tests.unit.services.factories import record, statuses

RULES = RetentionRules(pending=timedelta(days=30), inactive=timedelta(days=730))
DOUBLE_OPT_IN = frozenset({"newsletters", "promotions", "surveys"})
YEARS_AGO = NOW - timedelta(days=800)
LONG_AGO = NOW - timedelta(days=40)


@pytest.fixture(autouse=True)
def older_policy(tables) -> None:
    """People recorded years ago agreed to the policy then in effect."""
    tables.policies["2020-01-01"] = (datetime(2020, 1, 1, tzinfo=UTC), {"ky": "Эски"})


def retention(uow) -> Retention:
    return Retention(uow, RULES, SECRET, batch_size=2)


def recorded(uow, links, purposes, *, at, double_opt_in=frozenset()) -> uuid.UUID:
    with uow.transaction() as registry:
        view = record(registry, links, purposes, now=at, double_opt_in=double_opt_in)
    return view.subject_id


def test_someone_with_nothing_granted_and_silent_for_years_is_erased(uow, tables, links) -> None:
    gone = recorded(uow, links, {"surveys": False}, at=YEARS_AGO)
    kept = recorded(uow, links, {"surveys": True}, at=YEARS_AGO)
    recent = recorded(uow, links, {"surveys": False}, at=LONG_AGO)
    done = retention(uow).purge(NOW)
    assert done[Rule.INACTIVE_SUBJECTS] == 1
    assert tables.subjects[gone].erased_at == NOW
    assert tables.subjects[kept].erased_at is None and tables.subjects[recent].erased_at is None
    last = FakeRepository(tables).history(gone)[-1].record
    assert (last.kind, last.source, last.actor) == ("erasure", "expiry", RETENTION_ACTOR)
    assert uow.forgotten == 1


def test_a_pending_consent_never_confirmed_expires_through_the_ledger(uow, tables, links) -> None:
    old = recorded(uow, links, {"newsletters": True}, at=LONG_AGO, double_opt_in=DOUBLE_OPT_IN)
    fresh = recorded(uow, links, {"newsletters": True}, at=NOW, double_opt_in=DOUBLE_OPT_IN)
    done = retention(uow).purge(NOW)
    assert (done[Rule.PENDING_CONSENTS], done[Rule.INACTIVE_SUBJECTS]) == (1, 0)
    registry = FakeRepository(tables)
    assert (statuses(registry, old), statuses(registry, fresh)) == (
        {"newsletters": "withdrawn"},
        {"newsletters": "pending"},
    )
    expired = registry.history(old)[-1].record
    assert (expired.previous_status, expired.source) == ("pending", "expiry")
    assert tables.messages(old)[-1]["status"] == "withdrawn"
    assert audit.verify(registry, [SECRET]).ok
    assert uow.forgotten == 0


def test_a_plan_counts_what_a_purge_would_do_and_changes_nothing(uow, tables, links) -> None:
    recorded(uow, links, {"surveys": False}, at=YEARS_AGO)
    recorded(uow, links, {"newsletters": True}, at=LONG_AGO, double_opt_in=DOUBLE_OPT_IN)
    before = len(tables.ledger)
    plan = retention(uow).plan(NOW)
    assert (plan[Rule.INACTIVE_SUBJECTS], plan[Rule.PENDING_CONSENTS]) == (1, 1)
    assert len(tables.ledger) == before and uow.committed == 2


def test_someone_who_acts_after_the_listing_is_left_alone(uow, tables, links, monkeypatch) -> None:
    subject_id = recorded(uow, links, {"surveys": False}, at=YEARS_AGO)
    email = tables.subjects[subject_id].row.email
    listed = FakeRetentionCandidates.inactive_subjects

    def listed_then_signed_up(store, cutoff):
        found = listed(store, cutoff)
        record(FakeRepository(tables), links, {"surveys": True}, email=email)
        return found

    monkeypatch.setattr(FakeRetentionCandidates, "inactive_subjects", listed_then_signed_up)
    assert retention(uow).purge(NOW)[Rule.INACTIVE_SUBJECTS] == 0
    assert statuses(FakeRepository(tables), subject_id) == {"surveys": "granted"}


def test_dated_rows_go_once_their_time_is_up(uow, tables, registry) -> None:
    for name, expires in (("used", NOW - timedelta(minutes=1)), ("live", NOW + timedelta(days=1))):
        use = TokenUse(
            hashlib.sha256(name.encode()).digest(), "confirm", uuid.uuid4(), NOW, expires
        )
        tables.used_tokens[use.digest] = use
    tables.webhook_events |= {"old": NOW - timedelta(days=31), "new": NOW - timedelta(days=1)}
    for key, at in (("old", NOW - timedelta(hours=25)), ("new", NOW - timedelta(hours=1))):
        replay_or_run(
            registry, api_key_id="k", key=key, request_hash="h", run=lambda: (200, {}, None), now=at
        )
    done = retention(uow).purge(NOW)
    assert (
        done[Rule.USED_LINK_TOKENS],
        done[Rule.WEBHOOK_EVENTS],
        done[Rule.IDEMPOTENCY_KEYS],
    ) == (
        1,
        1,
        1,
    )
    assert [use.expires_at > NOW for use in tables.used_tokens.values()] == [True]
    assert (list(tables.webhook_events), [k for _, k in tables.answers]) == (["new"], ["new"])


def test_someone_silent_for_years_with_only_a_pending_consent_is_erased_not_expired(
    uow, tables, links
) -> None:
    subject_id = recorded(
        uow, links, {"newsletters": True}, at=YEARS_AGO, double_opt_in=DOUBLE_OPT_IN
    )
    done = retention(uow).purge(NOW)
    assert (done[Rule.INACTIVE_SUBJECTS], done[Rule.PENDING_CONSENTS]) == (1, 0)
    assert tables.subjects[subject_id].erased_at == NOW

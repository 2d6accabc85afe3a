"""Small builders for the service-layer tests: a subject recorded the way the API records
one, so each test says only what matters to it."""

import itertools
import uuid
from datetime import datetime

from consent_service.services.changes import ChangeContext, ConfirmLinks
from consent_service.services.consents import Decisions, record_decisions
from consent_service.services.ports import Repository
from consent_service.services.views import SubjectView
from tests.unit.services.conftest import NOW, POLICY, SECRET

_numbers = itertools.count(1)


def unique_email() -> str:
    return f"person{next(_numbers)}@example.kg"


def record(
    registry: Repository,
    links: ConfirmLinks,
    purposes: dict[str, bool],
    *,
    email: str | None = None,
    source: str = "registration",
    double_opt_in: frozenset[str] = frozenset(),
    now: datetime = NOW,
    address_proven: bool = True,
    evidence: dict[str, str] | None = None,
) -> SubjectView:
    decisions = Decisions(
        email=email or unique_email(),
        purposes=purposes,
        source=source,
        actor="ck-test",
        locale="ky",
        evidence=evidence,
    )
    view, _created = record_decisions(
        registry,
        decisions,
        default_locale="ky",
        double_opt_in=double_opt_in,
        now=now,
        links=links,
        suppression_keys=(SECRET,),
        address_proven=address_proven,
    )
    return view


def context(*, source: str = "admin", actor: str = "ck-test", now: datetime = NOW) -> ChangeContext:
    return ChangeContext(source=source, actor=actor, policy_version=POLICY, now=now)


def statuses(registry: Repository, subject_id: uuid.UUID) -> dict[str, str]:
    return {p: row.status for p, row in registry.consents_of(subject_id).items()}

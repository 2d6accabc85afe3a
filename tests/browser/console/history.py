"""A month of sign-ups and withdrawals, recorded through the services at past times, so the
overview's people table and chart show what a shop's month looks like in the browser tests
and the screenshots (the registry process itself only ever records at the present)."""

import random
from datetime import UTC, datetime, timedelta

from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.config import database_url
from consent_service.domain.consent import ConsentStatus
from consent_service.domain.emails import email_key
from consent_service.services.changes import ConfirmLinks
from consent_service.services.consents import (
    Decisions,
    change_context,
    record_decisions,
    set_consent,
)
from plumbing.db import make_engine, session_factory

PURPOSES = ("newsletters", "promotions", "surveys", "personalization")


def record_month(url: str, secret_key: str, base_url: str, people: int = 90) -> None:
    """`people` people sign up over the last 30 days; some withdraw a few days later."""
    engine = make_engine(database_url(url))
    uow = SqlUnitOfWork(session_factory(engine))
    links = ConfirmLinks(secret_key, base_url)
    chance = random.Random(13)
    now = datetime.now(UTC)
    try:
        for number in range(people):
            joined = now - timedelta(days=chance.uniform(0, 29.5))
            email = f"shopper{number}@ala-too.example.kg"
            wanted = {p: chance.random() < 0.6 for p in PURPOSES}
            wanted["newsletters"] = True
            decisions = Decisions(email, wanted, "registration", "history", "ky")
            with uow.transaction() as registry:
                record_decisions(
                    registry,
                    decisions,
                    default_locale="ky",
                    double_opt_in=frozenset(),
                    now=joined,
                    links=links,
                    suppression_keys=(secret_key,),
                )
            if chance.random() < 0.25:
                left = min(joined + timedelta(days=chance.uniform(0, 5)), now)
                with uow.transaction() as registry:
                    context = change_context(
                        registry, source="unsubscribe_link", actor="history", now=left
                    )
                    subject = registry.subject_by_email_key(email_key(email))
                    assert subject is not None
                    set_consent(
                        registry,
                        subject.id,
                        "newsletters",
                        ConsentStatus.WITHDRAWN,
                        context,
                        frozenset(),
                        links=None,
                    )
    finally:
        engine.dispose()

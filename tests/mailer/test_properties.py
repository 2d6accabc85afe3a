"""Duplicated, reordered and delayed events always leave the view as in-order delivery would.

A history is what the registry does to one subject: versions 1..n, each a consent change or a
contact update, perhaps ending in erasure. A schedule delivers every event of the history
one to three times, in any order (a delayed event is one that comes after later ones).
"""

import uuid
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer.adapters.repository import transaction
from mailer.domain.recipients import SubjectView, apply
from mailer.services.apply import apply_message, fact_from
from plumbing.db import make_engine, session_factory
from plumbing.vocabulary import CONSENT_PURPOSES, LOCALES, STATUSES
from schemas.messages import load_message
from tests.mailer import factories
from tests.mailer.conftest import empty

SUBJECTS = (
    uuid.UUID("0a000000-0000-4000-8000-000000000001"),
    uuid.UUID("0b000000-0000-4000-8000-000000000002"),
)


@st.composite
def history(draw: st.DrawFn, subject_id: uuid.UUID) -> list[dict[str, Any]]:
    """The messages the registry publishes about one subject, in the order it made them."""
    messages = []
    last = draw(st.integers(min_value=1, max_value=7))
    for version in range(1, last + 1):
        email = draw(st.sampled_from(["aigul@example.kg", "aigul@mail.kg"]))
        locale = draw(st.sampled_from(LOCALES))
        if draw(st.integers(0, 3)) == 0:
            messages.append(factories.subject_updated(subject_id, version, email, locale))
        else:
            purpose = draw(st.sampled_from(sorted(CONSENT_PURPOSES)))
            status = draw(st.sampled_from(STATUSES))
            messages.append(
                factories.consent_changed(subject_id, version, purpose, status, email, locale)
            )
    if draw(st.booleans()):
        messages.append(factories.subject_erased(subject_id, last + 1))
    return [load_message(message) for message in messages]


@st.composite
def schedule(draw: st.DrawFn, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every message one to three times (redeliveries keep their message id), in any order."""
    copies = [m for m in messages for _ in range(draw(st.integers(min_value=1, max_value=3)))]
    return draw(st.permutations(copies))


def in_order(messages: list[dict[str, Any]]) -> SubjectView:
    view = SubjectView(messages[0]["subject_id"])
    for message in messages:
        view, _ = apply(view, fact_from(message))
    return view


def assert_never_older(before: SubjectView, after: SubjectView, erased_seen: bool) -> None:
    """No purpose goes back to an older version; nobody comes back after erasure."""
    if erased_seen:
        assert after.recipient is None
    if before.recipient is None or after.recipient is None:
        return
    for purpose, held in before.recipient.consents.items():
        assert after.recipient.consents[purpose].version >= held.version
    assert after.recipient.version >= before.recipient.version
    assert after.recipient.contact_version >= before.recipient.contact_version


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_schedule_ends_as_in_order_delivery_and_never_goes_back(data: st.DataObject) -> None:
    messages = data.draw(history(SUBJECTS[0]))
    view = SubjectView(SUBJECTS[0])
    erased_seen = False
    for message in data.draw(schedule(messages)):
        after, _ = apply(view, fact_from(message))
        erased_seen = erased_seen or message["schema"] == "subject.erased/1"
        assert_never_older(view, after, erased_seen)
        view = after
    assert view == in_order(messages)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def view_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
):
    """One database for every example of the module; each example starts by emptying it."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("properties") / "mailer.db"
        path.write_bytes(sqlite_template.read_bytes())
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("mailer_postgres_url")
    engine = make_engine(url)
    yield url, partial(transaction, session_factory(engine))
    engine.dispose()


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_the_stored_view_ends_as_in_order_delivery_for_interleaved_subjects(
    view_database: tuple[str, Any], data: st.DataObject
) -> None:
    url, unit_of_work = view_database
    empty(url)
    histories = [data.draw(history(subject_id)) for subject_id in SUBJECTS]
    stored = dict.fromkeys(SUBJECTS, None)
    for message in data.draw(schedule([m for h in histories for m in h])):
        subject_id = message["subject_id"]
        with unit_of_work() as store:
            apply_message(store, message)
        with unit_of_work() as store:
            after = store.load(subject_id)
        if stored[subject_id] is not None:
            assert_never_older(stored[subject_id], after, erased_seen=False)
        stored[subject_id] = after
    with unit_of_work() as store:
        assert [store.load(s) for s in SUBJECTS] == [in_order(h) for h in histories]

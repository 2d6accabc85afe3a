"""A double opt-in link grants once, even when two clicks arrive at the same instant."""

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from consent_service.adapters import orm
from consent_service.adapters.link_token_store import LinkTokenStore
from consent_service.faces import csrf
from consent_service.services.ports.links import TokenUse
from tests.links.conftest import form_with


def _use(digest: bytes) -> TokenUse:
    now = datetime.now(UTC)
    return TokenUse(digest, "confirm", uuid.uuid4(), now, now + timedelta(days=7))


@pytest.mark.parametrize("first_commits", [True, False], ids=["commit", "rollback"])
def test_a_second_use_waits_for_the_first_and_then_knows(app, first_commits: bool) -> None:
    """The primary key decides, not a read before the write (adapters/link_token_store.py)."""
    sessions = app.extensions["consent.sessions"]
    digest = uuid.uuid4().bytes * 2
    second: list[bool] = []
    with sessions() as first:
        first.begin()
        assert LinkTokenStore(first).use(_use(digest))

        def use_again() -> None:
            with sessions() as session, session.begin():
                second.append(LinkTokenStore(session).use(_use(digest)))

        thread = threading.Thread(target=use_again)
        thread.start()
        time.sleep(0.3)
        assert thread.is_alive(), "the second use did not wait for the first transaction"
        if first_commits:
            first.commit()
        else:
            first.rollback()
    thread.join(timeout=15)
    assert second == [not first_commits]


def test_two_clicks_at_once_grant_once_and_the_other_is_told_it_was_confirmed(
    app, sign_up, confirm_link
) -> None:
    for _ in range(4):
        subject_id = sign_up({"newsletters": True, "promotions": True}, locale="en")
        url = confirm_link(subject_id)
        first, second = app.test_client(), app.test_client()
        fields = dict(form_with(first.get(url).get_data(as_text=True), "confirm").fields)
        second.set_cookie(csrf.COOKIE, first.get_cookie(csrf.COOKIE).value)
        start = threading.Barrier(2)
        answers: list[tuple[int, str]] = []

        def click(client, start=start, answers=answers, url=url, fields=fields) -> None:
            start.wait()
            response = client.post(url, data=fields)
            answers.append((response.status_code, response.get_data(as_text=True)))

        threads = [threading.Thread(target=click, args=(c,)) for c in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert [status for status, _page in answers] == [200, 200]
        said = sorted(
            "used" if "You confirmed it with this link already" in page else "granted"
            for _status, page in answers
        )
        assert said == ["granted", "used"]
        assert _grants(app, subject_id) == 2


def _grants(app, subject_id: str) -> int:
    table = orm.LedgerEntry
    query = select(func.count()).where(
        table.subject_id == uuid.UUID(subject_id), table.status == "granted"
    )
    with app.extensions["consent.sessions"]() as session:
        return session.execute(query).scalar_one()

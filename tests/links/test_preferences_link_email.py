"""An unsubscribe link never opens the preference centre; it can only have a new link emailed.

Whoever holds the List-Unsubscribe URL (a mail provider, a scanner, whoever the email was
forwarded to) is not necessarily the person, and the preference centre can download and
erase their data (decisions 0011, 0017). So no page reached with an unsubscribe token holds a
working preference link; its "email me a link" button sends one to the stored address through
the mailer, at most `PER_DAY` a day, with the same answer whether or not an email went.
"""

import re
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from consent_service.services.link_emails import PER_DAY, PERIOD
from consent_service.web import links as link_pages
from mailer.adapters import schema as mailer_schema
from mailer.adapters.repository import transaction
from mailer.services.sending.sender import Sender
from plumbing.db import make_engine, session_factory
from plumbing.tokens import Intent, InvalidToken
from schemas.messages import load_message
from tests.links.conftest import ONE_CLICK, form_with
from tests.mailer.runs import MirrorRegistryClient, apply, drive, file_backend
from tests.mailer.runs import settings as mailer_settings

TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_.-]+")
"""Anything shaped like a signed link token (payload and signature joined by dots)."""


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    """No per-client rate limit: these tests open many pages from one test client."""
    return environ | {"PUBLIC_RATE_LIMIT": "0"}


@pytest.fixture(scope="module")
def mailer_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mailer") / "mailer.db"
    mailer_schema.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def mailer(tmp_path: Path, mailer_template: Path):
    """A mailer of its own (SQLite, file backend): takes the registry's outbox messages as
    its consumer would, sends, and returns the `.eml` files it wrote."""
    path = tmp_path / "mailer.db"
    shutil.copy(mailer_template, path)
    engine = make_engine(f"sqlite:///{path}")
    unit_of_work = partial(transaction, session_factory(engine))
    backend = file_backend(tmp_path / "mailer-instance")
    sender = Sender(
        unit_of_work, backend, MirrorRegistryClient(unit_of_work), None, mailer_settings()
    )

    def deliver(messages: list[dict]) -> list[EmailMessage]:
        for body in messages:
            apply(unit_of_work, body)
        drive(sender)
        outbox = sorted((tmp_path / "mailer-instance" / "outbox").glob("*.eml"))
        return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox]

    yield deliver
    engine.dispose()


@pytest.fixture
def link_requests(outbox):
    """The `subject.preferences_link_requested` messages in the registry's outbox."""

    def read() -> list[dict]:
        return [body for key, body in outbox() if key == "subject.preferences_link_requested"]

    return read


@pytest.fixture
def unsubscribed(press, confirmed, unsubscribe_link, subject):
    """Someone who just pressed "Unsubscribe"; (subject, link, the page that answered)."""

    def make(locale: str = "en", purpose: str = "newsletters"):
        subject_id = confirmed({"newsletters": True, "promotions": True}, locale=locale)
        url = unsubscribe_link(subject_id, purpose)
        return subject(subject_id), url, press(url, "unsubscribe")

    return make


def working_preference_tokens(signer, text: str) -> list[str]:
    """Every token in `text` that would open somebody's preference centre."""
    found = []
    for candidate in TOKEN_LIKE.findall(text):
        try:
            signer.read(Intent.PREFERENCES, candidate)
        except InvalidToken:
            continue
        found.append(candidate)
    return found


def test_no_page_reached_with_an_unsubscribe_token_holds_a_working_preference_link(
    client, mail_provider, submit, unsubscribed, signer
) -> None:
    person, url, done = unsubscribed()
    answers = {
        "page": client.get(url),
        "page-ru": client.get(url, query_string={"lang": "ru"}),
        "after-the-button": done,
        "undo": submit(url, done, "undo"),
        "email-me-a-link": submit(url, done, "email-preferences-link"),
        "one-click": mail_provider.post(url, data=ONE_CLICK),
        "again": client.post(url, data=dict(form_with(done.get_data(as_text=True), "undo").fields)),
        "reload-undo": client.get(f"{url}/undo", follow_redirects=True),
        "reload-link": client.get(f"{url}/preferences-link", follow_redirects=True),
    }
    for name, response in answers.items():
        assert response.status_code == 200, name
        shown = response.get_data(as_text=True) + str(response.headers)
        assert "/preferences/" not in shown, name
        assert working_preference_tokens(signer, shown) == [], name
        assert person["email"] not in shown, name


def test_the_button_emails_a_working_preference_link_to_the_stored_address(
    client, submit, unsubscribed, link_requests, mailer
) -> None:
    person, url, done = unsubscribed(locale="ru")
    answer = submit(url, done, "email-preferences-link")
    assert answer.status_code == 200
    assert "<h1>Проверьте свою почту</h1>" in answer.get_data(as_text=True)
    [request] = link_requests()
    loaded = load_message(request)
    assert (str(loaded["subject_id"]), loaded["email"], loaded["locale"]) == (
        person["subject_id"],
        person["email"],
        "ru",
    )
    [email] = mailer([request])
    assert email["To"] == person["email"]
    assert email["Subject"] == "Ссылка на ваши настройки рассылок"
    assert "List-Unsubscribe" not in email
    text = email.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://127\.0\.0\.1:8000(/preferences/\S+)", text)[1]
    assert link == urlsplit(request["preferences_url"]).path
    centre = client.get(link)
    assert centre.status_code == 200
    assert '<button type="submit" id="save">' in centre.get_data(as_text=True)


def test_at_most_a_few_links_a_day_with_the_same_answer_whether_or_not_one_went(
    client, submit, unsubscribed, link_requests, monkeypatch
) -> None:
    _person, url, done = unsubscribed()
    answers = {submit(url, done, "email-preferences-link").get_data() for _ in range(PER_DAY + 5)}
    assert len(answers) == 1
    assert len(link_requests()) == PER_DAY
    monkeypatch.setattr(link_pages, "now", lambda: datetime.now(UTC) + PERIOD)
    assert submit(url, done, "email-preferences-link").get_data() in answers
    assert len(link_requests()) == PER_DAY + 1


def test_the_cap_is_per_person_not_per_link(
    submit, press, unsubscribed, unsubscribe_link, link_requests
) -> None:
    person, url, done = unsubscribed()
    for _ in range(PER_DAY):
        submit(url, done, "email-preferences-link")
    other_link = unsubscribe_link(person["subject_id"], "promotions")
    other_done = press(other_link, "unsubscribe")
    submit(other_link, other_done, "email-preferences-link")
    assert len(link_requests()) == PER_DAY
    someone_else, their_url, their_done = unsubscribed()
    submit(their_url, their_done, "email-preferences-link")
    assert [r["subject_id"] for r in link_requests()][-1] == someone_else["subject_id"]


ADDRESS = st.emails() | st.text(max_size=60)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    extra=st.lists(
        st.tuples(st.sampled_from(["email", "to", "address", "locale", "subject_id"]), ADDRESS),
        min_size=1,
        max_size=4,
    )
)
def test_no_address_from_the_request_is_taken(
    client, submit, unsubscribed, link_requests, extra
) -> None:
    person, url, done = unsubscribed()
    fields = form_with(done.get_data(as_text=True), "email-preferences-link").fields
    answer = client.post(f"{url}/preferences-link", data=MultiDict([*fields, *extra]))
    assert answer.status_code == 200
    mine = [r for r in link_requests() if r["subject_id"] == person["subject_id"]]
    assert [(r["email"], r["locale"]) for r in mine] == [(person["email"], "en")]


@pytest.mark.parametrize("who", ["erased", "never-known"])
def test_a_subject_not_held_gets_a_404_page_and_nothing_is_sent(
    client, csrf_field, confirmed, signer, erase, table_counts, who
) -> None:
    subject_id = uuid.uuid4()
    if who == "erased":
        subject_id = uuid.UUID(confirmed({"newsletters": True}))
        erase(str(subject_id))
    before = table_counts()
    token = signer.unsubscribe_token(subject_id, "newsletters")
    response = client.post(f"/u/{token}/preferences-link", data=csrf_field)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert table_counts() == before


def test_the_button_needs_the_pages_csrf_field(
    mail_provider, confirmed, unsubscribe_link, table_counts
) -> None:
    url = unsubscribe_link(confirmed({"newsletters": True}))
    before = table_counts()
    for body in ({}, ONE_CLICK):
        assert mail_provider.post(f"{url}/preferences-link", data=body).status_code == 403
    assert table_counts() == before


def test_an_erasure_deletes_the_persons_link_requests(
    app, client, writer, unsubscribed, submit, table_counts
) -> None:
    person, url, done = unsubscribed()
    submit(url, done, "email-preferences-link")
    assert table_counts()["link_emails"] == 1
    deleted = client.delete(f"/v1/subjects/{person['subject_id']}", headers=writer)
    assert deleted.status_code == 204
    assert table_counts()["link_emails"] == 0


def test_the_mailer_drops_a_link_asked_for_before_an_erasure(
    unsubscribed, submit, link_requests, mailer, client, writer, outbox
) -> None:
    person, url, done = unsubscribed()
    submit(url, done, "email-preferences-link")
    [request] = link_requests()
    client.delete(f"/v1/subjects/{person['subject_id']}", headers=writer)
    [erased] = [body for key, body in outbox() if key == "subject.erased"]
    assert mailer([erased, request]) == []


def test_the_reload_of_the_answer_goes_back_to_the_links_page(
    client, confirmed, unsubscribe_link
) -> None:
    url = unsubscribe_link(confirmed({"newsletters": True}))
    response = client.get(f"{url}/preferences-link?lang=ky")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{url}?lang=ky"


def test_a_stale_period_is_pruned_as_new_requests_come(
    submit, unsubscribed, table_counts, monkeypatch
) -> None:
    _person, url, done = unsubscribed()
    submit(url, done, "email-preferences-link")
    monkeypatch.setattr(
        link_pages, "now", lambda: datetime.now(UTC) + PERIOD + timedelta(minutes=1)
    )
    _someone_else, their_url, their_done = unsubscribed()
    submit(their_url, their_done, "email-preferences-link")
    assert table_counts()["link_emails"] == 1

"""What the links in emails do, through the service: a confirmation works once, an
unsubscribe may undo only itself and only for a while, and the emails a page may send on
request are capped per person."""

import hashlib
import uuid
from datetime import timedelta

import pytest

from consent_service.domain.consent import Source
from consent_service.services.link_emails import PER_DAY, PERIOD, PreferenceLinks
from consent_service.services.links import (
    UNDO_WINDOW,
    LinkAlreadyUsed,
    LinkSuperseded,
    confirm,
    confirmation_link,
    email_preferences_link,
    resend_confirmation,
    undo_unsubscribe,
    unsubscribe,
)
from consent_service.services.ports.links import TokenUse
from consent_service.services.subject_changes import Rectification, rectify
from tests.fakes.stores import FakeLinkTokens
from tests.unit.services.conftest import BASE_URL, NOW, SECRET
from tests.unit.services.factories import record, statuses, unique_email

DOUBLE_OPT_IN = frozenset({"newsletters", "promotions", "surveys"})
SHOWN = {"ip": "203.0.113.9", "user_agent": "Firefox"}


def digest(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()


def use_of(subject_id: uuid.UUID, name: str = "confirm-1") -> TokenUse:
    return TokenUse(digest(name), "confirm", subject_id, NOW, NOW + timedelta(days=7))


def pending_subject(registry, links) -> uuid.UUID:
    purposes = {"newsletters": True, "surveys": True}
    return record(registry, links, purposes, double_opt_in=DOUBLE_OPT_IN).subject_id


def confirmation_requests(tables) -> list[dict]:
    return [m for m in tables.messages() if m["schema"] == "optin.confirmation_requested/1"]


def test_a_confirmation_link_grants_everything_pending_once(registry, tables, links) -> None:
    subject_id = pending_subject(registry, links)
    used = FakeLinkTokens(tables)
    granted = confirm(registry, used, use_of(subject_id), NOW, SHOWN, NOW)
    assert granted.purposes == ["newsletters", "surveys"]
    assert statuses(registry, subject_id) == {"newsletters": "granted", "surveys": "granted"}
    entry = registry.history(subject_id)[-1]
    assert (entry.record.source, entry.record.actor) == ("double_opt_in", "subject")
    assert entry.evidence["link"] == digest("confirm-1").hex()
    with pytest.raises(LinkAlreadyUsed):
        confirm(registry, used, use_of(subject_id), NOW, SHOWN, NOW)


def test_a_used_link_shows_what_it_granted_while_all_of_it_still_is(
    registry, tables, links
) -> None:
    subject_id = pending_subject(registry, links)
    used = FakeLinkTokens(tables)
    confirm(registry, used, use_of(subject_id), NOW, SHOWN, NOW)
    shown = confirmation_link(registry, used, digest("confirm-1"), subject_id, NOW)
    assert (shown.used, shown.still_granted) == (True, ("newsletters", "surveys"))
    unsubscribe(
        registry,
        subject_id,
        "surveys",
        source=Source.UNSUBSCRIBE_LINK,
        now=NOW,
        evidence=SHOWN,
        link=digest("unsubscribe-1"),
    )
    assert (
        confirmation_link(registry, used, digest("confirm-1"), subject_id, NOW).still_granted == ()
    )


def test_a_link_sent_before_a_change_of_address_confirms_nothing(registry, tables, links) -> None:
    subject_id = pending_subject(registry, links)
    change = Rectification("admin", "ck", NOW + timedelta(minutes=1))
    rectify(
        registry,
        subject_id,
        {"email": unique_email()},
        change,
        suppression_keys=(SECRET,),
        links=links,
    )
    issued = NOW
    assert confirmation_link(
        registry, FakeLinkTokens(tables), digest("x"), subject_id, issued
    ).superseded
    with pytest.raises(LinkSuperseded):
        confirm(registry, FakeLinkTokens(tables), use_of(subject_id), NOW, SHOWN, issued)


def test_an_unsubscribe_withdraws_every_email_purpose_and_a_repeat_writes_nothing(
    registry, tables, links
) -> None:
    view = record(registry, links, {"newsletters": True, "surveys": True, "personalization": True})
    arguments = {"source": Source.ONE_CLICK, "now": NOW, "evidence": {}, "link": digest("u")}
    changed = unsubscribe(registry, view.subject_id, "all", **arguments)
    assert changed.purposes == ["newsletters", "surveys"]
    assert statuses(registry, view.subject_id)["personalization"] == "granted"
    before = len(tables.ledger)
    assert unsubscribe(registry, view.subject_id, "all", **arguments).purposes == []
    assert len(tables.ledger) == before


def withdrawn_by_link(registry, links, link: bytes) -> uuid.UUID:
    view = record(registry, links, {"newsletters": True, "surveys": True})
    unsubscribe(
        registry,
        view.subject_id,
        "newsletters",
        source=Source.UNSUBSCRIBE_LINK,
        now=NOW,
        evidence=SHOWN,
        link=link,
    )
    return view.subject_id


def undo(registry, links, subject_id: uuid.UUID, link: bytes, after: timedelta):
    return undo_unsubscribe(
        registry,
        subject_id,
        link,
        double_opt_in=frozenset(),
        links=links,
        now=NOW + after,
        evidence=SHOWN,
    )


def test_the_same_link_undoes_its_own_unsubscribe_within_the_window(registry, links) -> None:
    subject_id = withdrawn_by_link(registry, links, digest("u-1"))
    done = undo(registry, links, subject_id, digest("u-1"), UNDO_WINDOW - timedelta(seconds=1))
    assert (done.granted, done.pending) == (["newsletters"], [])
    assert registry.history(subject_id)[-1].record.source == "resubscribe"


def test_an_unsubscribe_cannot_be_undone_after_the_window(registry, links) -> None:
    subject_id = withdrawn_by_link(registry, links, digest("u-1"))
    done = undo(registry, links, subject_id, digest("u-1"), UNDO_WINDOW + timedelta(seconds=1))
    assert (done.granted, done.pending) == ([], [])
    assert statuses(registry, subject_id)["newsletters"] == "withdrawn"


def test_another_link_cannot_undo_an_unsubscribe(registry, links) -> None:
    subject_id = withdrawn_by_link(registry, links, digest("u-1"))
    done = undo(registry, links, subject_id, digest("u-2"), timedelta(minutes=1))
    assert done.granted == []


def test_a_change_since_the_unsubscribe_cannot_be_undone_by_the_link(registry, links) -> None:
    subject_id = withdrawn_by_link(registry, links, digest("u-1"))
    email = registry.subject_by_id(subject_id).email
    record(registry, links, {"newsletters": True}, email=email)
    record(registry, links, {"newsletters": False}, email=email, source="order")
    done = undo(registry, links, subject_id, digest("u-1"), timedelta(minutes=1))
    assert done.granted == []
    assert registry.consents_of(subject_id)["newsletters"].source == "order"


def test_an_undo_for_an_unconfirmed_address_waits_for_one_confirmation(
    registry, tables, links
) -> None:
    subject_id = withdrawn_by_link(registry, links, digest("u-1"))
    done = undo_unsubscribe(
        registry,
        subject_id,
        digest("u-1"),
        double_opt_in=DOUBLE_OPT_IN,
        links=links,
        now=NOW + timedelta(minutes=1),
        evidence=SHOWN,
    )
    assert (done.granted, done.pending) == ([], ["newsletters"])
    assert len(confirmation_requests(tables)) == 1


def test_a_new_confirmation_email_is_sent_at_most_per_day_cap(registry, tables, links) -> None:
    subject_id = pending_subject(registry, links)
    sent_at_sign_up = len(confirmation_requests(tables))
    for minute in range(PER_DAY + 2):
        target = resend_confirmation(registry, subject_id, links, NOW + timedelta(minutes=minute))
        assert target.purposes == ["newsletters", "surveys"]
    assert len(confirmation_requests(tables)) == sent_at_sign_up + PER_DAY
    resend_confirmation(registry, subject_id, links, NOW + PERIOD + timedelta(minutes=1))
    assert len(confirmation_requests(tables)) == sent_at_sign_up + PER_DAY + 1


def test_nothing_pending_sends_no_confirmation_email(registry, tables, links) -> None:
    view = record(registry, links, {"personalization": True})
    assert resend_confirmation(registry, view.subject_id, links, NOW).purposes == []
    assert confirmation_requests(tables) == [] and tables.link_emails == []


def test_a_preference_link_is_emailed_to_the_stored_address_within_the_cap(
    registry, tables, links
) -> None:
    view = record(registry, links, {"newsletters": True})
    preference_links = PreferenceLinks(SECRET, BASE_URL)
    for _ in range(PER_DAY + 1):
        email_preferences_link(registry, view.subject_id, preference_links, NOW)
    sent = [m for m in tables.messages() if m["schema"] == "subject.preferences_link_requested/1"]
    assert len(sent) == PER_DAY
    assert {m["email"] for m in sent} == {view.subject.email}
    assert sent[0]["preferences_url"].startswith(f"{BASE_URL}/preferences/")

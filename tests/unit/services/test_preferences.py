"""The preference centre through the service: only what the person switched is applied."""

from datetime import timedelta

import pytest

from consent_service.domain.errors import DomainError, SubjectNotFound
from consent_service.services.preferences import Choices, erase_on_request, preferences, save
from consent_service.services.subject_changes import Rectification, rectify
from tests.unit.services.conftest import NOW, SECRET
from tests.unit.services.factories import record, statuses, unique_email

DOUBLE_OPT_IN = frozenset({"newsletters", "promotions", "surveys"})
ISSUED = NOW - timedelta(days=1)


def saved(registry, links, subject_id, choices: Choices):
    return save(
        registry,
        subject_id,
        choices,
        issued_at=ISSUED,
        now=NOW,
        evidence={"user_agent": "Firefox"},
        double_opt_in=DOUBLE_OPT_IN,
        links=links,
    )


def test_the_page_shows_each_purpose_and_the_locale(registry, links) -> None:
    view = record(registry, links, {"surveys": True, "promotions": False})
    shown = preferences(registry, view.subject_id)
    assert shown.locale == "ky"
    assert shown.statuses == {
        "surveys": "granted",
        "promotions": "withdrawn",
        "newsletters": None,
        "personalization": None,
    }


def test_a_box_ticked_through_the_emailed_link_grants_at_once_and_proves_the_address(
    registry, links
) -> None:
    view = record(registry, links, {"surveys": True}, double_opt_in=frozenset())
    choices = Choices(ticked=frozenset({"surveys", "newsletters"}), shown=frozenset({"surveys"}))
    result = saved(registry, links, view.subject_id, choices)
    assert result.purposes == ["newsletters"]
    assert statuses(registry, view.subject_id)["newsletters"] == "granted"
    assert registry.subject_by_id(view.subject_id).email_confirmed_at == NOW
    entry = registry.history(view.subject_id)[-1].record
    assert (entry.source, entry.actor) == ("preference_center", "subject")


def test_a_page_left_open_cannot_undo_an_unsubscribe_made_since(registry, links) -> None:
    view = record(registry, links, {"surveys": False})
    choices = Choices(ticked=frozenset({"surveys"}), shown=frozenset({"surveys"}))
    assert saved(registry, links, view.subject_id, choices).purposes == []
    assert statuses(registry, view.subject_id) == {"surveys": "withdrawn"}


def test_a_ticked_pending_box_left_as_shown_confirms_nothing(registry, links) -> None:
    view = record(registry, links, {"newsletters": True}, double_opt_in=DOUBLE_OPT_IN)
    choices = Choices(ticked=frozenset({"newsletters"}))
    assert saved(registry, links, view.subject_id, choices).purposes == []
    assert statuses(registry, view.subject_id) == {"newsletters": "pending"}


def test_after_a_change_of_address_a_grant_waits_for_the_new_mailbox(
    registry, tables, links
) -> None:
    view = record(registry, links, {"surveys": True})
    change = Rectification("admin", "ck", NOW - timedelta(hours=1))
    rectify(
        registry, view.subject_id, {"email": unique_email()}, change, suppression_keys=(SECRET,)
    )
    choices = Choices(ticked=frozenset({"surveys", "promotions"}), shown=frozenset({"surveys"}))
    saved(registry, links, view.subject_id, choices)
    assert statuses(registry, view.subject_id)["promotions"] == "pending"
    assert tables.messages(view.subject_id)[-1]["schema"] == "optin.confirmation_requested/1"


def test_the_locale_is_stored_before_the_consents_so_their_messages_carry_it(
    registry, tables, links
) -> None:
    view = record(registry, links, {"surveys": True})
    choices = Choices(ticked=frozenset(), locale="ru", shown=frozenset({"surveys"}))
    result = saved(registry, links, view.subject_id, choices)
    assert (result.locale_changed, result.purposes) == (True, ["surveys"])
    updated, withdrawn = tables.messages(view.subject_id)[-2:]
    assert (updated["schema"], withdrawn["locale"]) == ("subject.updated/1", "ru")


@pytest.mark.parametrize(
    "choices",
    [Choices(ticked=frozenset({"transactions"})), Choices(ticked=frozenset(), locale="fr")],
)
def test_a_choice_the_page_cannot_take_writes_nothing(registry, tables, links, choices) -> None:
    view = record(registry, links, {"surveys": True})
    before = len(tables.ledger)
    with pytest.raises(DomainError):
        saved(registry, links, view.subject_id, choices)
    assert len(tables.ledger) == before


def test_the_persons_own_deletion_erases_at_once_and_only_once(registry, links) -> None:
    view = record(registry, links, {"surveys": True})
    erased = erase_on_request(registry, view.subject_id, NOW, SECRET)
    assert erased.locale == "ky"
    with pytest.raises(SubjectNotFound):
        erase_on_request(registry, view.subject_id, NOW, SECRET)

"""SendGrid events through the service: suppressions and withdrawals, each applied once."""

from consent_service.domain.esp_events import EspEvent
from consent_service.services import audit
from consent_service.services.campaigns import NewCampaign, create_campaign
from consent_service.services.esp_events import EventSettings, apply_event
from consent_service.services.suppressions import suppression_reasons
from tests.campaigns.factories import CONTENT, WEEKLY_BISHKEK
from tests.unit.services.conftest import NOW, SECRET
from tests.unit.services.factories import record, statuses, unique_email

SETTINGS = EventSettings(secret_keys=(SECRET,), double_opt_in=frozenset(), now=NOW)


def bounce(email: str, event_id: str = "ev-1") -> EspEvent:
    return EspEvent(event_id, "bounce", email, bounce_type="bounce")


def test_a_hard_bounce_suppresses_the_address_and_is_a_change_of_its_holder(
    registry, tables, links
) -> None:
    view = record(registry, links, {"newsletters": True})
    assert apply_event(registry, bounce(view.subject.email), SETTINGS) == "applied"
    assert suppression_reasons(registry, (SECRET,), view.subject.email) == {"hard_bounce"}
    entry = registry.history(view.subject_id)[-1]
    assert (entry.record.kind, entry.record.source, entry.record.actor, entry.record.seq) == (
        "suppression",
        "esp_webhook",
        "sendgrid",
        2,
    )
    assert entry.evidence == {"esp_event": "bounce", "sg_event_id": "ev-1", "reason": "hard_bounce"}
    message = tables.messages(view.subject_id)[-1]
    assert (message["schema"], message["suppressed"], message["version"]) == (
        "subject.updated/1",
        True,
        2,
    )
    assert audit.verify(registry, [SECRET]).ok


def test_the_same_event_delivered_again_changes_nothing(registry, tables, links) -> None:
    view = record(registry, links, {"newsletters": True})
    apply_event(registry, bounce(view.subject.email), SETTINGS)
    before = (len(tables.ledger), len(tables.outbox))
    assert apply_event(registry, bounce(view.subject.email), SETTINGS) == "duplicate"
    assert apply_event(registry, bounce(view.subject.email, "ev-2"), SETTINGS) == "unchanged"
    assert (len(tables.ledger), len(tables.outbox)) == before


def test_an_address_nobody_holds_is_suppressed_all_the_same(registry, tables) -> None:
    email = unique_email()
    assert apply_event(registry, bounce(email), SETTINGS) == "applied"
    assert suppression_reasons(registry, (SECRET,), email) == {"hard_bounce"}
    assert tables.ledger == []


def test_a_spam_report_withdraws_every_email_purpose_even_one_never_asked(registry, links) -> None:
    view = record(registry, links, {"newsletters": True, "surveys": True, "personalization": True})
    report = EspEvent("ev-9", "spamreport", view.subject.email)
    assert apply_event(registry, report, SETTINGS) == "applied"
    assert statuses(registry, view.subject_id) == {
        "newsletters": "withdrawn",
        "surveys": "withdrawn",
        "promotions": "withdrawn",
        "personalization": "granted",
    }


def test_an_unsubscribe_withdraws_only_its_campaigns_purpose(registry, links) -> None:
    view = record(registry, links, {"newsletters": True, "surveys": True})
    new = NewCampaign("Survey", "surveys", CONTENT, WEEKLY_BISHKEK)
    campaign = create_campaign(
        registry.campaigns, new, may_send=True, default_locale="ky", now=NOW
    ).campaign
    event = EspEvent("ev-3", "unsubscribe", view.subject.email, campaign_id=str(campaign.id))
    apply_event(registry, event, SETTINGS)
    assert statuses(registry, view.subject_id) == {"newsletters": "granted", "surveys": "withdrawn"}


def test_an_event_that_asks_nothing_is_ignored_and_not_remembered(registry, tables) -> None:
    assert apply_event(registry, EspEvent("ev-4", "delivered", "a@example.kg"), SETTINGS) == (
        "ignored"
    )
    assert tables.webhook_events == {}

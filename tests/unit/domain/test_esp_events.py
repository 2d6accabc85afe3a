"""Which SendGrid event means what (domain/esp_events.py), and when a signed delivery is fresh."""

from datetime import UTC, datetime

import pytest

from consent_service.domain.esp_events import Effect, EspEvent, is_fresh, meaning, parse
from consent_service.domain.suppression import SuppressionReason

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def event(kind: str, **fields: str) -> EspEvent:
    found = parse({"sg_event_id": "ev-1", "event": kind, "email": "aigul@example.kg", **fields})
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("kind", "fields", "effect", "reason"),
    [
        ("bounce", {"type": "bounce"}, Effect.SUPPRESS, SuppressionReason.HARD_BOUNCE),
        ("bounce", {"type": "Bounce"}, Effect.SUPPRESS, SuppressionReason.HARD_BOUNCE),
        ("dropped", {"reason": "Invalid"}, Effect.SUPPRESS, SuppressionReason.INVALID_ADDRESS),
        ("dropped", {"reason": "Bounced Address"}, Effect.SUPPRESS, SuppressionReason.HARD_BOUNCE),
        ("spamreport", {}, Effect.WITHDRAW_EMAIL, None),
        ("unsubscribe", {"campaign_id": "c"}, Effect.WITHDRAW_CAMPAIGN, None),
        ("group_unsubscribe", {"asm_group_id": "7"}, Effect.WITHDRAW_CAMPAIGN, None),
    ],
)
def test_events_that_change_something(kind, fields, effect, reason) -> None:
    found = meaning(event(kind, **fields))
    assert (found.effect, found.suppression) == (effect, reason)


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("bounce", {"type": "blocked"}),
        ("bounce", {}),
        ("dropped", {"reason": "Unsubscribed Address"}),
        ("dropped", {"reason": "Spam Reporting Address"}),
        ("dropped", {"reason": "Invalid SMTPAPI header"}),
        ("dropped", {}),
        ("deferred", {}),
        ("delivered", {}),
        ("processed", {}),
        ("open", {}),
        ("click", {}),
        ("group_resubscribe", {}),
    ],
)
def test_soft_bounces_other_drops_and_engagement_change_nothing(kind, fields) -> None:
    assert meaning(event(kind, **fields)).effect is Effect.NONE


def test_custom_args_come_back_as_top_level_fields() -> None:
    found = event("unsubscribe", campaign_id="0b6c", run_id="r", subject_id="s")
    assert found.campaign_id == "0b6c"


@pytest.mark.parametrize(
    "raw",
    [
        None,
        ["bounce"],
        {"event": "bounce", "email": "a@b.kg"},
        {"sg_event_id": "e", "email": "a@b.kg"},
        {"sg_event_id": "e", "event": "bounce"},
        {"sg_event_id": "e", "event": "bounce", "email": "  "},
        {"sg_event_id": 5, "event": "bounce", "email": "a@b.kg"},
        {"sg_event_id": "e" * 101, "event": "bounce", "email": "a@b.kg"},
    ],
)
def test_an_event_lacking_what_the_rules_need_is_not_parsed(raw) -> None:
    assert parse(raw) is None


def test_the_evidence_names_the_event_never_the_address() -> None:
    assert event("spamreport").evidence() == {"esp_event": "spamreport", "sg_event_id": "ev-1"}


@pytest.mark.parametrize(
    ("stamp", "fresh"),
    [
        (str(int(NOW.timestamp())), True),
        (str(int(NOW.timestamp()) - 300), True),
        (str(int(NOW.timestamp()) + 300), True),
        (str(int(NOW.timestamp()) - 301), False),
        (str(int(NOW.timestamp()) + 301), False),
        ("", False),
        ("-5", False),
        ("1764072000.5", False),
        ("\uff11\uff17\uff16\uff14\uff10\uff17\uff12\uff10\uff10\uff10", False),
        ("9" * 40, False),
    ],
)
def test_a_signed_timestamp_is_fresh_within_five_minutes(stamp: str, fresh: bool) -> None:
    assert is_fresh(stamp, NOW) is fresh

"""The link token contract (plumbing/tokens.py): who, which purpose, what for, signed, expiring."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import TimestampSigner

from consent_service.services.changes import ConfirmLinks
from plumbing.tokens import (
    ALL_EMAIL,
    CONFIRM_MAX_AGE,
    PREFERENCES_MAX_AGE,
    UNSUBSCRIBE_MAX_AGE,
    ExpiredToken,
    Intent,
    InvalidToken,
    LinkSigner,
    confirm_url,
    preferences_url,
    token_digest,
    unsubscribe_url,
)
from tests.links.conftest import SECRET

SUBJECT = uuid.uuid4()


def test_an_unsubscribe_token_reads_back_as_its_subject_purpose_and_intent(signer) -> None:
    claim = signer.read(Intent.UNSUBSCRIBE, signer.unsubscribe_token(SUBJECT, "promotions"))
    assert (claim.subject_id, claim.purpose, claim.intent) == (
        SUBJECT,
        "promotions",
        Intent.UNSUBSCRIBE,
    )
    assert abs(claim.issued_at - datetime.now(UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize("intent", [Intent.CONFIRM, Intent.PREFERENCES])
def test_confirm_and_preferences_tokens_are_about_all_email_of_their_subject(
    signer, intent: Intent
) -> None:
    mint = {Intent.CONFIRM: signer.confirm_token, Intent.PREFERENCES: signer.preferences_token}
    claim = signer.read(intent, mint[intent](SUBJECT))
    assert (claim.subject_id, claim.purpose) == (SUBJECT, ALL_EMAIL)


def test_two_confirm_tokens_minted_at_once_differ(signer) -> None:
    assert signer.confirm_token(SUBJECT) != signer.confirm_token(SUBJECT)


def test_a_token_is_short_url_safe_and_holds_no_address(signer) -> None:
    for token in (
        signer.unsubscribe_token(SUBJECT, "newsletters"),
        signer.preferences_token(SUBJECT),
        signer.confirm_token(SUBJECT),
    ):
        assert re.fullmatch(r"[A-Za-z0-9._-]+", token)
        assert len(token) < 100
        assert "@" not in token


def test_link_urls_put_the_token_under_their_path() -> None:
    assert unsubscribe_url("https://shop.kg/", "t") == "https://shop.kg/u/t"
    assert preferences_url("https://shop.kg", "t") == "https://shop.kg/preferences/t"
    assert confirm_url("https://shop.kg", "t") == "https://shop.kg/confirm/t"


def test_confirm_links_sign_with_the_secret_under_the_public_base_url(signer) -> None:
    url = ConfirmLinks(SECRET, "https://shop.kg").url_for(SUBJECT)
    assert url.startswith("https://shop.kg/confirm/")
    assert signer.read(Intent.CONFIRM, url.rsplit("/", 1)[1]).subject_id == SUBJECT


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace(t.split(".")[0], uuid.uuid4().hex),
        lambda t: t.replace(".newsletters.", ".promotions."),
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.rsplit(".", 1)[0],
        lambda t: "",
        lambda t: "not-a-token",
    ],
    ids=["other-subject", "other-purpose", "signature", "no-signature", "empty", "garbage"],
)
def test_a_tampered_token_is_refused(signer, tamper) -> None:
    token = signer.unsubscribe_token(SUBJECT, "newsletters")
    with pytest.raises(InvalidToken) as refused:
        signer.read(Intent.UNSUBSCRIBE, tamper(token))
    assert not isinstance(refused.value, ExpiredToken)


def test_a_token_signed_with_another_secret_is_refused(signer) -> None:
    forged = LinkSigner("another-secret").unsubscribe_token(SUBJECT, "newsletters")
    with pytest.raises(InvalidToken):
        signer.read(Intent.UNSUBSCRIBE, forged)


@pytest.mark.parametrize("minted_for", list(Intent))
def test_a_token_opens_only_its_own_kind_of_link(signer, minted_for: Intent) -> None:
    token = {
        Intent.UNSUBSCRIBE: signer.unsubscribe_token(SUBJECT, ALL_EMAIL),
        Intent.PREFERENCES: signer.preferences_token(SUBJECT),
        Intent.CONFIRM: signer.confirm_token(SUBJECT),
    }[minted_for]
    for intent in Intent:
        if intent is minted_for:
            assert signer.read(intent, token).subject_id == SUBJECT
        else:
            with pytest.raises(InvalidToken):
                signer.read(intent, token)


def test_a_validly_signed_token_for_a_purpose_without_consent_is_refused() -> None:
    raw = TimestampSigner(SECRET, salt="consent-link/unsubscribe").sign(f"{SUBJECT.hex}.orders")
    with pytest.raises(InvalidToken):
        LinkSigner(SECRET).read(Intent.UNSUBSCRIBE, raw.decode())


def test_nothing_but_a_known_purpose_can_be_signed(signer) -> None:
    with pytest.raises(ValueError, match="unknown purpose"):
        signer.unsubscribe_token(SUBJECT, "transactions")
    with pytest.raises(ValueError, match="secret"):
        LinkSigner("")


def test_an_unsubscribe_link_works_for_at_least_sixty_days(signer, minted_ago) -> None:
    token = minted_ago(timedelta(days=60), lambda: signer.unsubscribe_token(SUBJECT, "surveys"))
    assert signer.read(Intent.UNSUBSCRIBE, token).purpose == "surveys"


@pytest.mark.parametrize(
    ("intent", "lifetime"),
    [
        (Intent.UNSUBSCRIBE, UNSUBSCRIBE_MAX_AGE),
        (Intent.PREFERENCES, PREFERENCES_MAX_AGE),
        (Intent.CONFIRM, CONFIRM_MAX_AGE),
    ],
)
def test_an_expired_token_is_told_apart_and_still_names_its_subject(
    signer, minted_ago, intent: Intent, lifetime: timedelta
) -> None:
    mint = {
        Intent.UNSUBSCRIBE: lambda: signer.unsubscribe_token(SUBJECT, "surveys"),
        Intent.PREFERENCES: lambda: signer.preferences_token(SUBJECT),
        Intent.CONFIRM: lambda: signer.confirm_token(SUBJECT),
    }[intent]
    fresh = minted_ago(lifetime - timedelta(hours=1), mint)
    stale = minted_ago(lifetime + timedelta(hours=1), mint)
    assert signer.read(intent, fresh).subject_id == SUBJECT
    with pytest.raises(ExpiredToken) as expired:
        signer.read(intent, stale)
    assert (expired.value.claim.subject_id, expired.value.claim.intent) == (SUBJECT, intent)


def test_the_confirm_lifetime_is_configurable(minted_ago) -> None:
    short = LinkSigner(SECRET, confirm_max_age=timedelta(days=2))
    token = minted_ago(timedelta(days=3), lambda: short.confirm_token(SUBJECT))
    with pytest.raises(ExpiredToken):
        short.read(Intent.CONFIRM, token)
    assert LinkSigner(SECRET).read(Intent.CONFIRM, token).subject_id == SUBJECT


def test_a_forged_old_token_is_invalid_not_expired(signer, minted_ago) -> None:
    """Only a genuine signature may lead to the page that offers a new link."""
    forged = LinkSigner("another-secret")
    token = minted_ago(CONFIRM_MAX_AGE * 2, lambda: forged.confirm_token(SUBJECT))
    with pytest.raises(InvalidToken) as refused:
        signer.read(Intent.CONFIRM, token)
    assert not isinstance(refused.value, ExpiredToken)


def test_a_link_signed_with_a_previous_secret_still_works_after_rotation() -> None:
    old = LinkSigner("old-secret").unsubscribe_token(SUBJECT, "newsletters")
    rotated = LinkSigner(SECRET, ["old-secret"])
    assert rotated.read(Intent.UNSUBSCRIBE, old).subject_id == SUBJECT
    with pytest.raises(InvalidToken):
        LinkSigner(SECRET, ["older-secret"]).read(Intent.UNSUBSCRIBE, old)


def test_after_rotation_new_links_are_signed_with_the_new_secret() -> None:
    token = LinkSigner(SECRET, ["old-secret"]).confirm_token(SUBJECT)
    assert LinkSigner(SECRET).read(Intent.CONFIRM, token).subject_id == SUBJECT
    with pytest.raises(InvalidToken):
        LinkSigner("old-secret").read(Intent.CONFIRM, token)


def test_a_used_token_is_recognised_by_any_spelling_of_its_signature(signer) -> None:
    """Base64 leaves spare bits in the signature's last character; the decoder ignores them."""
    token = signer.confirm_token(SUBJECT)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    spellings = []
    for character in alphabet:
        variant = token[:-1] + character
        try:
            signer.read(Intent.CONFIRM, variant)
        except InvalidToken:
            continue
        spellings.append(variant)
    assert len(spellings) > 1
    assert {token_digest(spelling) for spelling in spellings} == {token_digest(token)}


def test_a_token_expires_when_its_intents_lifetime_has_passed(signer) -> None:
    claim = signer.read(Intent.CONFIRM, signer.confirm_token(SUBJECT))
    assert signer.expires_at(claim) == claim.issued_at + CONFIRM_MAX_AGE

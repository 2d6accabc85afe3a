"""The link token contract (schemas/tokens.py): who and which purpose, signed, expiring."""

import re
import uuid
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner

from consent_service.services.changes import ConfirmLinks
from schemas.tokens import (
    ALL_EMAIL,
    CONFIRM_MAX_AGE,
    UNSUBSCRIBE_MAX_AGE,
    InvalidToken,
    LinkSigner,
    confirm_url,
    preferences_url,
    unsubscribe_url,
)
from tests.links.conftest import SECRET

SUBJECT = uuid.uuid4()


def test_an_unsubscribe_token_reads_back_as_its_subject_and_purpose(signer) -> None:
    claim = signer.read_unsubscribe(signer.unsubscribe_token(SUBJECT, "promotions"))
    assert (claim.subject_id, claim.purpose) == (SUBJECT, "promotions")


def test_a_confirm_token_is_about_all_email_of_its_subject(signer) -> None:
    claim = signer.read_confirm(signer.confirm_token(SUBJECT))
    assert (claim.subject_id, claim.purpose) == (SUBJECT, ALL_EMAIL)


def test_a_token_is_short_url_safe_and_holds_no_address(signer) -> None:
    token = signer.unsubscribe_token(SUBJECT, "newsletters")
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
    assert signer.read_confirm(url.rsplit("/", 1)[1]).subject_id == SUBJECT


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
    with pytest.raises(InvalidToken):
        signer.read_unsubscribe(tamper(token))


def test_a_token_signed_with_another_secret_is_refused(signer) -> None:
    forged = LinkSigner("another-secret").unsubscribe_token(SUBJECT, "newsletters")
    with pytest.raises(InvalidToken):
        signer.read_unsubscribe(forged)


def test_the_two_kinds_of_token_are_not_interchangeable(signer) -> None:
    with pytest.raises(InvalidToken):
        signer.read_unsubscribe(signer.confirm_token(SUBJECT))
    with pytest.raises(InvalidToken):
        signer.read_confirm(signer.unsubscribe_token(SUBJECT, ALL_EMAIL))


def test_a_validly_signed_token_for_a_purpose_without_consent_is_refused() -> None:
    raw = TimestampSigner(SECRET, salt="consent-link/unsubscribe").sign(f"{SUBJECT.hex}.orders")
    with pytest.raises(InvalidToken):
        LinkSigner(SECRET).read_unsubscribe(raw.decode())


def test_nothing_but_a_known_purpose_can_be_signed(signer) -> None:
    with pytest.raises(ValueError, match="unknown purpose"):
        signer.unsubscribe_token(SUBJECT, "transactions")
    with pytest.raises(ValueError, match="secret"):
        LinkSigner("")


def test_an_unsubscribe_link_works_for_at_least_sixty_days(signer, minted_ago) -> None:
    token = minted_ago(timedelta(days=60), lambda: signer.unsubscribe_token(SUBJECT, "surveys"))
    assert signer.read_unsubscribe(token).purpose == "surveys"


def test_an_unsubscribe_link_expires_after_its_lifetime(signer, minted_ago) -> None:
    age = UNSUBSCRIBE_MAX_AGE + timedelta(minutes=1)
    token = minted_ago(age, lambda: signer.unsubscribe_token(SUBJECT, "surveys"))
    with pytest.raises(InvalidToken):
        signer.read_unsubscribe(token)


def test_a_confirm_link_expires_with_the_pending_consent(signer, minted_ago) -> None:
    fresh = minted_ago(CONFIRM_MAX_AGE - timedelta(hours=1), lambda: signer.confirm_token(SUBJECT))
    stale = minted_ago(CONFIRM_MAX_AGE + timedelta(hours=1), lambda: signer.confirm_token(SUBJECT))
    assert signer.read_confirm(fresh).subject_id == SUBJECT
    with pytest.raises(InvalidToken):
        signer.read_confirm(stale)

"""TOTP second factor (RFC 6238): six digits, 30-second steps, one step of drift either way, and
the step returned so that the caller can refuse a code used before."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from consent_service.adapters import totp

STEP = timedelta(seconds=30)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
secrets_ = st.builds(totp.new_secret)


def code(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at)


@given(secrets_, moments, st.sampled_from([-1, 0, 1]))
def test_a_code_from_this_step_or_the_next_or_previous_is_accepted(
    secret: str, at: datetime, offset: int
) -> None:
    step = totp.verify(secret, code(secret, at + offset * STEP), at)
    assert step == pyotp.TOTP(secret).timecode(at) + offset


@given(secrets_, moments, st.sampled_from([-3, -2, 2, 3]))
def test_a_code_two_steps_away_is_refused(secret: str, at: datetime, offset: int) -> None:
    stale = code(secret, at + offset * STEP)
    # A six-digit code can repeat across steps by chance (one in a million): not a failure.
    assume(stale not in {code(secret, at + near * STEP) for near in (-1, 0, 1)})
    assert totp.verify(secret, stale, at) is None


@given(secrets_, moments)
def test_the_same_code_twice_gives_the_same_step_for_the_caller_to_refuse(
    secret: str, at: datetime
) -> None:
    typed = code(secret, at)
    first = totp.verify(secret, typed, at)
    assert first is not None
    assert totp.verify(secret, typed, at + timedelta(seconds=20)) == first


@given(secrets_, moments)
def test_a_code_typed_with_a_space_as_apps_show_it_is_accepted(secret: str, at: datetime) -> None:
    typed = code(secret, at)
    assert totp.verify(secret, f"{typed[:3]} {typed[3:]}", at) is not None


@given(secrets_, moments, st.text())
def test_anything_but_six_digits_is_refused_without_error(
    secret: str, at: datetime, typed: str
) -> None:
    assume(re.fullmatch("[0-9]{6}", typed.replace(" ", "")) is None)
    assert totp.verify(secret, typed, at) is None


def test_non_ascii_digits_are_refused() -> None:
    secret = totp.new_secret()
    now = datetime.now(UTC)
    arabic_indic = code(secret, now).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert totp.verify(secret, arabic_indic, now) is None


def test_a_new_secret_has_160_bits() -> None:
    secret = totp.new_secret()
    assert len(secret) == 32
    assert secret != totp.new_secret()


def test_the_provisioning_uri_names_the_issuer_and_the_account() -> None:
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, "aida@shop.example", "Our Shop console")
    parts = urlsplit(uri)
    query = parse_qs(parts.query)
    assert parts.scheme == "otpauth"
    assert parts.netloc == "totp"
    assert query["secret"] == [secret]
    assert query["issuer"] == ["Our Shop console"]
    assert pyotp.parse_uri(uri).secret == secret


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        totp.verify(totp.new_secret(), "123456", datetime(2026, 11, 2, 9, 0))

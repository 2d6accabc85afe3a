"""Staff passwords: Argon2id, RFC 9106 parameters, normalised, upgraded when parameters change."""

import unicodedata

import pytest
from argon2 import profiles
from hypothesis import given
from hypothesis import strategies as st

from consent_service.adapters.passwords import MAX_LENGTH, Passwords, PasswordTooLong

CHEAP = Passwords(profiles.CHEAPEST)
"""Argon2id at its cheapest, so hypothesis can try many passwords; the rules are the same."""

passwords = st.text(max_size=64)


def test_a_password_is_hashed_with_argon2id_at_rfc_9106_low_memory_parameters() -> None:
    stored = Passwords().hash("correct horse battery staple")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert Passwords().verify(stored, "correct horse battery staple")


@given(passwords, passwords)
def test_only_the_same_password_verifies(password: str, other: str) -> None:
    stored = CHEAP.hash(password)
    assert CHEAP.verify(stored, password)
    assert CHEAP.verify(stored, other) is (
        unicodedata.normalize("NFKC", other) == unicodedata.normalize("NFKC", password)
    )


@given(passwords)
def test_the_same_password_hashes_differently_each_time(password: str) -> None:
    assert CHEAP.hash(password) != CHEAP.hash(password)


@given(passwords)
def test_a_password_typed_composed_or_decomposed_is_the_same(password: str) -> None:
    stored = CHEAP.hash(unicodedata.normalize("NFC", password))
    assert CHEAP.verify(stored, unicodedata.normalize("NFD", password))


def test_kyrgyz_letters_typed_either_way_match() -> None:
    composed = "Ңөүё-сыр"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert CHEAP.verify(CHEAP.hash(composed), decomposed)


@given(st.text(), passwords)
def test_a_stored_value_that_is_not_a_hash_verifies_nothing(stored: str, password: str) -> None:
    assert CHEAP.verify(stored, password) is False
    assert CHEAP.needs_rehash(stored) is True


def test_a_hash_made_with_weaker_parameters_needs_rehashing() -> None:
    current = Passwords()
    assert current.needs_rehash(CHEAP.hash("secret"))
    assert not current.needs_rehash(current.hash("secret"))
    assert current.needs_rehash("not a hash")


def test_an_overlong_password_is_refused_and_never_matches() -> None:
    overlong = "x" * (MAX_LENGTH + 1)
    with pytest.raises(PasswordTooLong):
        CHEAP.hash(overlong)
    assert CHEAP.verify(CHEAP.hash("x" * MAX_LENGTH), overlong) is False


@given(passwords)
def test_checking_for_an_unknown_address_never_succeeds(password: str) -> None:
    assert CHEAP.verify_nobody(password) is False

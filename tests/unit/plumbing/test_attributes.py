"""The rules of a subject's attributes (SPEC 10, decision 0047), in plain Python."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plumbing.attributes import (
    MAX_KEYS,
    InvalidAttributes,
    changed_keys,
    is_date,
    merged_attributes,
    valid_attributes,
)


def test_every_kind_of_value_is_taken() -> None:
    given_map = {"plan": "pro", "seats": 3, "ratio": 0.25, "vip": False, "born": "2000-02-29"}
    assert valid_attributes(given_map) == given_map


@pytest.mark.parametrize("key", ["a", "a1_b", "x" * 40, "z_"])
def test_good_names(key: str) -> None:
    assert valid_attributes({key: 1}) == {key: 1}


@pytest.mark.parametrize("key", ["", "A", "1a", "_a", "a-b", "a b", "é", "x" * 41, "a\n"])
def test_bad_names_are_refused(key: str) -> None:
    with pytest.raises(InvalidAttributes) as refused:
        valid_attributes({key: 1})
    assert refused.value.field == "attributes"


@pytest.mark.parametrize(
    "value", [math.nan, math.inf, -math.inf, {"a": 1}, [1], None, "x" * 201, "a\x00b", 2**60]
)
def test_bad_values_are_refused_naming_the_key(value: object) -> None:
    with pytest.raises(InvalidAttributes) as refused:
        valid_attributes({"score": value})
    assert refused.value.field == "attributes.score"


def test_at_most_fifty_keys() -> None:
    assert len(valid_attributes({f"k{i}": i for i in range(MAX_KEYS)})) == MAX_KEYS
    with pytest.raises(InvalidAttributes):
        valid_attributes({f"k{i}": i for i in range(MAX_KEYS + 1)})


def test_a_string_of_exactly_200_characters_is_taken() -> None:
    assert valid_attributes({"note": "я" * 200})


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("2027-01-31", True),
        ("2024-02-29", True),
        ("2023-02-29", False),
        ("2027-13-01", False),
        ("2027-1-31", False),
        ("20270131", False),
        ("2027-01-31T00:00:00", False),
        (20270131, False),
    ],
)
def test_a_date_is_a_real_day_written_yyyy_mm_dd(value: object, date: bool) -> None:
    assert is_date(value) is date


def test_a_merge_replaces_removes_and_keeps() -> None:
    stored = {"plan": "free", "seats": 1, "city": "Osh"}
    assert merged_attributes(stored, {"plan": "pro", "city": None, "new": True}) == {
        "plan": "pro",
        "seats": 1,
        "new": True,
    }
    assert stored == {"plan": "free", "seats": 1, "city": "Osh"}


def test_removing_a_key_not_held_is_no_change() -> None:
    assert merged_attributes({"a": 1}, {"b": None}) == {"a": 1}


def test_a_merge_may_not_pass_fifty_keys() -> None:
    full = {f"k{i}": i for i in range(MAX_KEYS)}
    with pytest.raises(InvalidAttributes):
        merged_attributes(full, {"one_more": 1})
    assert len(merged_attributes(full, {"k0": None, "one_more": 1})) == MAX_KEYS


def test_changed_keys_tell_a_boolean_from_a_number() -> None:
    assert changed_keys({"a": 1, "b": "x"}, {"a": True, "b": "x"}) == ["a"]
    assert changed_keys({"a": 1}, {"a": 1.0}) == ["a"]
    assert changed_keys(None, {}) == []
    assert changed_keys({"a": 1}, {}) == ["a"]


values = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=250)
hostile = st.dictionaries(
    st.text(max_size=45),
    st.recursive(values, lambda v: st.lists(v) | st.dictionaries(st.text(), v)),
)


@given(hostile)
def test_a_hostile_map_is_taken_whole_or_refused_with_invalid_attributes(raw: dict) -> None:
    try:
        taken = valid_attributes(raw)
    except InvalidAttributes:
        return
    assert taken == raw and len(taken) <= MAX_KEYS
    for value in taken.values():
        assert isinstance(value, str | int | float | bool)
        assert not isinstance(value, float) or math.isfinite(value)

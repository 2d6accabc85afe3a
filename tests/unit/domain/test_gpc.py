"""The `Sec-GPC` rule and the support statement (domain/gpc.py, decision 0039)."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent_service.domain.gpc import signalled, support_statement

NOT_ONE = ["0", "yes", "true", "1.0", "11", "01", "+1", "1;", "\uff11", "", "x" * 8000, "1" * 8000]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1"], True),
        ([" 1\t"], True),  # optional whitespace around a field value is not part of it
        (["0, 1"], True),  # two fields, joined with a comma by the server
        (["1", "0"], True),
        ([], False),
        (["0"], False),
        (["0, yes"], False),
        *[([value], False) for value in NOT_ONE],
    ],
)
def test_only_a_value_of_exactly_one_is_the_signal(values, expected) -> None:
    assert signalled(values) is expected


@given(st.lists(st.text(), max_size=4))
def test_the_signal_is_there_exactly_when_some_member_is_one(values) -> None:
    members = [m.strip(" \t") for value in values for m in value.split(",")]
    assert signalled(values) is ("1" in members)


def test_the_statement_is_gpc_true_with_a_full_date() -> None:
    statement = support_statement()
    assert statement["gpc"] is True
    assert (
        datetime.date.fromisoformat(str(statement["lastUpdate"])).isoformat()
        == (statement["lastUpdate"])
    )

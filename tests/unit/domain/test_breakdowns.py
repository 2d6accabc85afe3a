"""A breakdown hides every cell below 5 and keeps every other one exact (SPEC section 10)."""

from dataclasses import asdict

from hypothesis import given
from hypothesis import strategies as st

from consent_service.domain.breakdowns import SMALL_CELL, cell, counts_breakdown
from consent_service.domain.campaigns import RunCounts

counts = st.builds(
    RunCounts,
    **{name: st.integers(min_value=0, max_value=2_000_000) for name in asdict(RunCounts())},
)
breakdowns = st.dictionaries(st.sampled_from(["ky", "ru", "en", "uz"]), counts, max_size=4)


@given(breakdowns)
def test_a_cell_is_hidden_exactly_when_it_counts_fewer_than_five(by_locale) -> None:
    shown = counts_breakdown(by_locale)
    assert set(shown) == set(by_locale)
    for locale, exact in by_locale.items():
        for name, count in asdict(exact).items():
            expected = None if count < SMALL_CELL else count
            assert shown[locale][name] == expected


@given(st.integers(min_value=0, max_value=10**9))
def test_no_small_count_shows_and_no_other_is_changed(count: int) -> None:
    assert cell(count) is None if count < 5 else cell(count) == count


def test_the_edges_of_a_cell() -> None:
    assert [cell(n) for n in (0, 1, 4, 5, 6)] == [None, None, None, 5, 6]

"""Small cells of a breakdown are hidden; totals stay exact (SPEC section 10).

A run's counts per locale (and later per link) could point at a handful of people: that the
one Russian speaker on a list withdrew, say. In a breakdown a cell of fewer than
`SMALL_CELL` recipients is therefore not given: `null` in the API, "< 5" in the console.
One rule for both faces, so that neither shows what the other hides. A run's totals are
exact; with only one small cell in a column the totals may still give it away, which the
specification accepts (decision 0035).
"""

from collections.abc import Mapping
from dataclasses import asdict

from consent_service.domain.campaigns import RunCounts

SMALL_CELL = 5
"""The smallest count of recipients a breakdown shows."""

Cell = int | None
"""A count of a breakdown, or None where it is below `SMALL_CELL`."""


def cell(count: int) -> Cell:
    """A count as a breakdown may show it: None if fewer than `SMALL_CELL` (zero too, so that
    nobody can tell no one from a few)."""
    return count if count >= SMALL_CELL else None


def counts_breakdown(by_locale: Mapping[str, RunCounts]) -> dict[str, dict[str, Cell]]:
    """A run's counts per locale with its small cells hidden, the locales in code order."""
    return {
        locale: {name: cell(count) for name, count in asdict(by_locale[locale]).items()}
        for locale in sorted(by_locale)
    }

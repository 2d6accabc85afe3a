"""The running consent counts (domain/tallies.py): written with every batch, read by the
console's overview without counting a single consent row."""

from datetime import date
from typing import Protocol

from consent_service.domain.tallies import ConsentTally


class Tallies(Protocol):
    def add_to_tallies(self, tally: ConsentTally) -> None:
        """Add a batch's deltas to the counts, in the caller's transaction."""
        ...


class TallyReads(Protocol):
    def people_per_purpose(self) -> dict[str, dict[str, int]]:
        """purpose -> status -> how many people hold it so."""
        ...

    def people(self) -> int:
        """Every person not erased."""
        ...

    def changes_per_day(self, first_day: date) -> dict[date, tuple[int, int]]:
        """day -> (sign-ups, withdrawals) over every purpose, from `first_day` on."""
        ...

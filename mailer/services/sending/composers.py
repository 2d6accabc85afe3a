"""One composer per run while it is being sent: a composer caches its renders, so a run's
locales are rendered once however many batches it has."""

import uuid
from collections import OrderedDict
from collections.abc import Callable

from mailer.domain.runs import RunRecord
from mailer.services.sending.ports import Composer

COMPOSERS_KEPT = 16


class ComposerCache:
    """The composers of the runs sent most recently; `make` builds one for a run (and raises
    `CompositionError` if the run's content cannot be compiled)."""

    def __init__(self, make: Callable[[RunRecord], Composer], kept: int = COMPOSERS_KEPT) -> None:
        self._make = make
        self._kept = kept
        self._composers: OrderedDict[uuid.UUID, Composer] = OrderedDict()

    def composer(self, run: RunRecord) -> Composer:
        composer = self._composers.get(run.run_id)
        if composer is None:
            composer = self._make(run)
            self._composers[run.run_id] = composer
            while len(self._composers) > self._kept:
                self._composers.popitem(last=False)
        self._composers.move_to_end(run.run_id)
        return composer

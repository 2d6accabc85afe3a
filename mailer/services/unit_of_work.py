"""How a service opens a transaction on the mailer's database: `Transaction[Store]`.

A service never names the SQL store. Each declares, beside itself, a `Protocol` of what it
needs from one transaction (`ApplyStore`, `SenderStore`, ...), and takes a `Transaction` of
that: a callable whose context manager yields such a store and commits when the block ends
without an error, rolls back otherwise. `mailer.adapters.repository.transaction` gives the
SQL one, `tests/fakes/mailer.py` an in-memory one with the same rules.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TypeVar

Store = TypeVar("Store", covariant=True)

Transaction = Callable[[], AbstractContextManager[Store]]

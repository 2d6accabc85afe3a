"""The service layer on the in-memory fakes (tests/fakes): no database, no broker.

Every test gets empty tables with one policy in effect, a unit of work over them, and a
repository for calls made as a request would make them (in the caller's transaction).
"""

from datetime import UTC, datetime

import pytest

from consent_service.services.changes import ConfirmLinks
from tests.fakes.registry import FakeRepository, FakeUnitOfWork
from tests.fakes.tables import Tables

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
POLICY = "2026-11-01"
SECRET = "test-secret"
BASE_URL = "https://shop.example.kg"


@pytest.fixture
def tables() -> Tables:
    tables = Tables()
    tables.policies[POLICY] = (
        datetime(2026, 11, 1, tzinfo=UTC),
        {"ky": "Саясат", "ru": "Политика"},
    )
    return tables


@pytest.fixture
def uow(tables: Tables) -> FakeUnitOfWork:
    return FakeUnitOfWork(tables)


@pytest.fixture
def registry(tables: Tables) -> FakeRepository:
    return FakeRepository(tables)


@pytest.fixture
def links() -> ConfirmLinks:
    return ConfirmLinks(SECRET, BASE_URL)

"""Fixtures of the mailer's fast service tests: the fakes of `tests/fakes/mailer`, no database."""

import pytest

from tests.fakes.mailer.outside import (
    FakeBackend,
    FakeClock,
    FakeRegistryClient,
    FakeThrottle,
)
from tests.fakes.mailer.store import FakeDatabase


@pytest.fixture
def database() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def registry_client() -> FakeRegistryClient:
    return FakeRegistryClient()


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def throttle() -> FakeThrottle:
    return FakeThrottle()

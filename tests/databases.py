"""Fresh PostgreSQL databases for tests. A missing server skips locally and fails in CI."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def ci_flag(value: str | None) -> bool:
    """Whether a `CI` variable says "this is CI". Providers set `true`, some `1`, people
    type `yes`, in any case: all of them must make a missing service fail the run."""
    return (value or "").strip().lower() in ("true", "1", "yes")


IN_CI = ci_flag(os.environ.get("CI"))


def service_unavailable(service: str, reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{service} is required in CI: {reason}")
    pytest.skip(f"{service} not available: {reason}")


@contextmanager
def fresh_postgres(prefix: str) -> Iterator[str]:
    """A new empty database (plain postgresql:// URL), dropped when the block ends."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        service_unavailable("PostgreSQL", str(error).strip())
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

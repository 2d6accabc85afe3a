"""What checking an API key costs per request, and what Redis would save (decision 0042).

A request's key comes from the per-process cache (api/http.py) and is then confirmed not
revoked by one primary-key read in the request's own transaction. This measures, in this
process on a fresh database, per call: that read (`is_live` inside an open transaction);
the same read with its `select()` built per call (as it was until decision 0042) and on
psycopg alone (its floor); a full cache miss (checkout, transaction, the
key's row, rollback: what every request would pay without the cache); and a Redis `GET`
(what a revocation counter in Redis would cost instead of the read). Wall time and this
process's CPU, which is what a worker pays.

    .venv/bin/python bench/key_check.py [--calls 10000] [--redis-url redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import redis
from sqlalchemy import Connection, select

from consent_service.adapters import orm, schema
from consent_service.adapters.key_store import KeyStore
from consent_service.services.ports.keys import StoredKey
from plumbing.db import make_engine

from support.databases import admin_url, create_database, drop_database
from support.report import aligned, log, write_json

KEY_ID = "0123456789ab"
_K = orm.ApiKey.__table__
RAW_READ = "SELECT 1 FROM api_keys WHERE id = %s AND revoked_at IS NULL"


def timed(calls: int, call: Callable[[], object]) -> tuple[float, float]:
    """Microseconds per call: wall time and this process's CPU."""
    for _ in range(min(calls, 200)):  # warm: prepared statements, pool, connections
        call()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        call()
    return (
        (time.perf_counter() - wall) / calls * 1e6,
        (time.process_time() - cpu) / calls * 1e6,
    )


def measure(url: str, redis_url: str, calls: int) -> dict[str, tuple[float, float]]:
    engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    schema.upgrade(url.replace("postgresql://", "postgresql+psycopg://"))
    now = datetime.now(UTC)
    with engine.begin() as conn:
        KeyStore(conn).add_key(StoredKey(KEY_ID, "bench", ("admin",), "0" * 64, now, None))
    figures = {}
    with engine.begin() as conn:  # the request's transaction, already open

        def confirm(connection: Connection = conn) -> bool:
            return KeyStore(connection).is_live(KEY_ID)

        figures["is_live in the open transaction (today)"] = timed(calls, confirm)

        def built_per_call() -> object:
            query = select(_K.c.id).where(_K.c.id == KEY_ID, _K.c.revoked_at.is_(None))
            return conn.execute(query).first()

        figures["the same read, its select() built per call"] = timed(calls, built_per_call)
        raw = conn.connection.dbapi_connection
        assert raw is not None

        def floor() -> object:
            cursor = raw.cursor()
            try:
                cursor.execute(RAW_READ, (KEY_ID,))
                return cursor.fetchone()
            finally:
                cursor.close()

        figures["the same read on psycopg alone (floor)"] = timed(calls, floor)

    def miss() -> object:
        with engine.connect() as connection:
            return KeyStore(connection).key(KEY_ID)

    figures["cache miss: checkout, BEGIN, row, ROLLBACK"] = timed(calls, miss)
    client = redis.Redis.from_url(redis_url)
    counter = f"bench:key_check:{uuid.uuid4().hex}"
    client.set(counter, 0)
    try:
        figures["Redis GET of a revocation counter"] = timed(calls, lambda: client.get(counter))
    finally:
        client.delete(counter)
        client.close()
    engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=10000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--admin-url", default=admin_url())
    parser.add_argument("--json", type=Path, help="also write the results here")
    options = parser.parse_args(argv)
    name = f"bench_keys_{uuid.uuid4().hex[:8]}"
    url = create_database(options.admin_url, name)
    try:
        log(f"{options.calls} calls each on {name}")
        figures = measure(url, options.redis_url, options.calls)
    finally:
        drop_database(options.admin_url, name)
    print(f"key_check: microseconds per call, {options.calls} calls (wall / this process's CPU)")
    print(aligned({name: f"{wall:7.1f} / {cpu:7.1f}" for name, (wall, cpu) in figures.items()}))
    write_json(
        options.json, {name: {"wall_us": w, "cpu_us": c} for name, (w, c) in figures.items()}
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

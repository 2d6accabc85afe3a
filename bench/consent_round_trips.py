"""SQL round trips of one `POST /v1/consents`, counted exactly, next to the raw transaction's.

In this process, no server and no load: libpq's protocol trace of each pooled connection
while a request holds it (a round trip is a simple Query or an extended-protocol Sync), plus
SQLAlchemy's pool pre-ping, which runs before the checkout hook and is counted by wrapping
do_ping; statements by kind from SQLAlchemy's cursor events. The same trace counts the raw
transaction that writes the same rows (BEGIN, 4 INSERT, COMMIT): the fewest round trips a
first-time write can take.

    .venv/bin/python bench/consent_round_trips.py [--requests 20]
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg import pq

from support.in_process import in_process_app, post_all, probe_bodies
from support.raw_writes import SAME_ROWS_NAME, raw_transaction
from support.report import log
from support.write_bench import WriteBench, add_database_options, run

TRACE_LINE = re.compile(r"F\t\d+\t(\w+)(?:\t (.*))?")


def trace_into(connection: Any, handle: IO[str]) -> None:
    """Start libpq's protocol trace of one psycopg connection into an open file."""
    connection.pgconn.trace(handle.fileno())
    connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)


def messages_sent(path: Path) -> tuple[collections.Counter[str], collections.Counter[str]]:
    """Frontend messages by type, and the simple queries by their first word."""
    sent: collections.Counter[str] = collections.Counter()
    queries: collections.Counter[str] = collections.Counter()
    for line in path.read_text().splitlines():
        match = TRACE_LINE.match(line)
        if match is None:
            continue
        sent[match.group(1)] += 1
        if match.group(1) == "Query":
            queries[match.group(2).strip('"').split()[0].upper()] += 1
    return sent, queries


def service_round_trips(env: dict[str, str], key: str, workdir: Path, count: int) -> dict:
    """Round trips and statements per first-time and per repeat request."""
    from sqlalchemy import event

    result: dict[str, Any] = {}
    with in_process_app(env) as app:
        engine = app.extensions["consent.engine"]
        client = app.test_client()
        warm = probe_bodies(f"probewarm-{os.getpid()}", 2)
        post_all(client, key, warm["first"] + warm["repeat"])  # pool and caches warm
        pings = [0]
        original_ping = engine.dialect.do_ping

        def counting_ping(dbapi_connection: Any) -> bool:
            pings[0] += 1
            return original_ping(dbapi_connection)

        trace: list[IO[str] | None] = [None]
        kinds: collections.Counter[str] = collections.Counter()

        def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            if trace[0] is not None:
                trace_into(dbapi_connection, trace[0])

        def on_checkin(dbapi_connection: Any, _record: Any) -> None:
            if trace[0] is not None and dbapi_connection is not None:
                dbapi_connection.pgconn.untrace()

        def on_execute(_conn: Any, _cursor: Any, statement: str, *args: Any) -> None:
            executemany = args[-1]
            kinds[statement.split()[0].upper() + (" (executemany)" if executemany else "")] += 1

        listeners: list[tuple[str, Callable[..., None]]] = [
            ("checkout", on_checkout),
            ("checkin", on_checkin),
            ("before_cursor_execute", on_execute),
        ]
        engine.dialect.do_ping = counting_ping
        for name, listener in listeners:
            event.listen(engine, name, listener)
        try:
            bodies = probe_bodies(f"probe-{os.getpid()}", count)
            for mode in ("first", "repeat"):
                path = workdir / f"trace-{mode}.txt"
                pings[0] = 0
                kinds.clear()
                with path.open("w") as handle:
                    trace[0] = handle
                    codes = post_all(client, key, bodies[mode])
                    trace[0] = None
                sent, queries = messages_sent(path)
                kinds.update(queries)
                n = sum(codes.values())
                kinds["SELECT 1 (pre-ping)"] = pings[0]
                result[mode] = {
                    "requests": n,
                    "statuses": {str(k): v for k, v in codes.items()},
                    "round_trips": (sent["Query"] + sent["Sync"] + pings[0]) / n,
                    "by_kind": {k: v / n for k, v in sorted(kinds.items())},
                }
        finally:
            engine.dialect.do_ping = original_ping
            for name, listener in listeners:
                event.remove(engine, name, listener)
    return result


def raw_round_trips(url: str, workdir: Path, count: int) -> float:
    """Round trips per raw transaction writing a first-time write's 10 rows."""
    path = workdir / "trace-raw.txt"
    with psycopg.connect(url) as conn, path.open("w") as handle:
        trace_into(conn, handle)
        for _ in range(count):
            with conn.cursor() as cur:
                raw_transaction(cur, 3)
            conn.commit()
        conn.pgconn.untrace()
    sent, _ = messages_sent(path)
    return (sent["Query"] + sent["Sync"]) / count


def measure(bench: WriteBench) -> None:
    count = bench.options.requests
    log(f"counting SQL round trips of {count} requests of each kind (in-process, libpq trace)")
    service = service_round_trips(bench.env, bench.key, bench.workdir, count)
    raw = raw_round_trips(bench.url, bench.workdir, count)
    lines = bench.header(
        f"consent_round_trips: POST /v1/consents in process, {count} requests of each kind",
        server=False,
        raw=False,
    )
    for mode, data in service.items():
        kinds = ", ".join(f"{k} {v:g}" for k, v in data["by_kind"].items())
        lines.append(
            f"SQL per {mode} request: {data['round_trips']:g} round trips; statements: {kinds}"
        )
    lines.append(f"{SAME_ROWS_NAME}: {raw:g} round trips per transaction")
    lines += bench.footer()
    print("\n".join(lines), flush=True)
    bench.write_json(round_trips=service, raw_round_trips=raw)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20, help="of each kind")
    add_database_options(parser)
    options = parser.parse_args(argv)
    if options.requests < 1:
        parser.error("--requests must be positive")
    return run(options, 120 + options.requests, measure, with_load=False)


if __name__ == "__main__":
    sys.exit(main())

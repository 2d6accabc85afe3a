"""Where the time of a consent write goes: py-spy on the live workers, cProfile of one.

1. Under first-time write load, `py-spy record --gil` samples the gunicorn workers: the
   share of the server's CPU in each step of a request and in each library, turned into
   milliseconds with the server CPU per write measured in the same phase. Needs py-spy
   (`.venv/bin/pip install py-spy`); without it this part is skipped and says so.
2. In this process, cProfile of `--requests` sequential first-time and repeat requests:
   cumulative wall milliseconds per request of each step (inflated by the profiler, so
   compare shares; py-spy gives CPU under load).

    .venv/bin/python bench/consent_profile.py [--seconds 20] [--requests 500]
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from support.in_process import in_process_app, post_all, probe_bodies
from support.processes import optional_tool
from support.report import log
from support.write_bench import (
    WriteBench,
    add_database_options,
    add_load_options,
    add_server_options,
    check_positive,
    run,
)

PY_SPY = "the Python package `py-spy` (.venv/bin/pip install py-spy)"

# Functions whose cumulative time makes the per-request cost table (file suffix, function).
PROFILE_ROWS: list[tuple[str, str, str]] = [
    ("whole request (Flask.wsgi_app)", "flask/app.py", "wsgi_app"),
    ("  auth: key check with its cache (_authenticated)", "api/http.py", "_authenticated"),
    ("  auth: key lookup in the database (authenticate)", "services/api_keys.py", "authenticate"),
    ("  auth: its session open/close (read_only)", "faces/transactions.py", "read_only"),
    ("  body: json + marshmallow load (json_body)", "faces/bodies.py", "json_body"),
    ("  service: record_decisions", "services/consents.py", "record_decisions"),
    ("    policy lookup (change_context)", "services/consents.py", "change_context"),
    ("    SELECT subject FOR UPDATE", "adapters/repository.py", "subject_by_email_key"),
    ("    INSERT subject", "adapters/repository.py", "add_subject"),
    ("    SELECT consents (repeat)", "adapters/repository.py", "consents_of"),
    ("    SELECT previous ledger hash (repeat)", "adapters/repository.py", "ledger_hash"),
    ("    ledger hashing (LedgerRecord.hash)", "domain/ledger.py", "hash"),
    ("    INSERT ledger (executemany)", "adapters/repository.py", "append_ledger"),
    ("    INSERT outbox (executemany)", "adapters/repository.py", "add_outbox"),
    ("    INSERT/UPDATE consents (1 per purpose)", "adapters/repository.py", "save_consents"),
    ("    UPDATE subject version", "adapters/repository.py", "set_subject_version"),
    ("  COMMIT (SessionTransaction.commit)", "orm/session.py", "commit"),
    ("  response: marshmallow dump (subject_body)", "api/serialize.py", "subject_body"),
    ("  response: jsonify", "flask/json/__init__.py", "jsonify"),
    (
        "email_validator.validate_email (all calls)",
        "email_validator/validate_email.py",
        "validate_email",
    ),
    ("normalize_email (all calls)", "domain/emails.py", "normalize_email"),
    ("SQLAlchemy Session.execute (all calls)", "orm/session.py", "execute"),
    ("waiting for PostgreSQL (psycopg Connection.wait)", "psycopg/connection.py", "wait"),
    ("pool pre-ping (SELECT 1 per checkout)", "engine/default.py", "_do_ping_w_event"),
]

# py-spy stacks by the step of a request they are in, first match wins.
SPY_BUCKETS: list[tuple[str, Callable[[str], bool]]] = [
    (
        "auth: API key check (cache, lookup, its session)",
        lambda s: any(f in s for f in ("_authenticated (", "authenticate (", "read_only (")),
    ),
    ("body: json + marshmallow load", lambda s: "json_body (" in s),
    ("SQL: policy lookup", lambda s: "change_context (" in s),
    ("SQL: SELECT subject FOR UPDATE", lambda s: "subject_by_email_key (" in s),
    ("SQL: INSERT subject", lambda s: "add_subject (" in s),
    ("SQL: SELECT consents / ledger hash", lambda s: "consents_of (" in s or "ledger_hash (" in s),
    ("SQL: INSERT ledger (executemany)", lambda s: "append_ledger (" in s),
    ("SQL: INSERT outbox (executemany)", lambda s: "add_outbox (" in s),
    ("SQL: INSERT/UPDATE consents", lambda s: "save_consents (" in s),
    ("SQL: UPDATE subject version", lambda s: "set_subject_version (" in s),
    (
        "transaction: session, COMMIT, close",
        lambda s: "in_transaction (" in s and "<locals>.work (" not in s,
    ),
    ("response: marshmallow dump + jsonify", lambda s: "subject_body (" in s or "jsonify (" in s),
    ("service logic (domain, hashing, email normalisation)", lambda s: "record_decisions (" in s),
    ("Flask/Werkzeug/gunicorn (routing, request, response I/O)", lambda s: True),
]

SPY_LIBS = [
    ("sqlalchemy", "(sqlalchemy/"),
    ("psycopg", "(psycopg/"),
    ("marshmallow", "(marshmallow/"),
    ("email_validator", "(email_validator/"),
    ("flask/werkzeug", "(flask/"),
    ("flask/werkzeug", "(werkzeug/"),
    ("gunicorn", "(gunicorn/"),
    ("consent_service + schemas + plumbing", "(consent_service/"),
    ("consent_service + schemas + plumbing", "(schemas/"),
    ("consent_service + schemas + plumbing", "(plumbing/"),
]


def summarize_spy(path: Path) -> dict[str, Any]:
    buckets: collections.Counter[str] = collections.Counter()
    libs: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or "handle_request (" not in stack:
            continue
        n = int(count)
        total += n
        buckets[next(label for label, match in SPY_BUCKETS if match(stack))] += n
        leaf = stack.rsplit(";", 1)[-1]
        libs[next((label for label, part in SPY_LIBS if part in leaf), "stdlib/other")] += n
    return {
        "samples": total,
        "buckets": {k: v / total for k, v in buckets.most_common()} if total else {},
        "libraries": {k: v / total for k, v in libs.most_common()} if total else {},
    }


def profile_live(bench: WriteBench, spy: str) -> dict[str, Any] | None:
    """py-spy on the workers while a phase of first-time writes runs."""
    assert bench.server is not None
    out = bench.workdir / "pyspy.txt"
    seconds = max(5, round(bench.options.seconds / 2))
    spy_cmd = [
        spy,
        "record",
        "--pid",
        str(bench.server.process.pid),
        "--subprocesses",
        "--gil",
        "--rate",
        "100",
        "--duration",
        str(seconds),
        "--format",
        "raw",
        "--output",
        str(out),
    ]
    spy_proc = subprocess.Popen(spy_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)
    phase = bench.load("first", seconds, f"spy{os.getpid()}")
    phase.name = "HTTP first-time writes under py-spy"
    bench.phases.append(phase)
    try:
        _, err = spy_proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        spy_proc.kill()
        return None
    if not out.exists():
        log(f"py-spy produced nothing: {err.decode(errors='replace')[-500:]}")
        return None
    summary = summarize_spy(out)
    summary["server_cpu_ms_per_request"] = phase.cpu_ms("server")
    if bench.options.keep_files:
        summary["raw_file"] = str(out)
    return summary


def cprofile_requests(env: dict[str, str], key: str, count: int) -> dict:
    """Per-request wall time by step, one process, sequential requests, under cProfile."""
    results: dict[str, Any] = {}
    with in_process_app(env) as app:
        client = app.test_client()
        warm = probe_bodies(f"profwarm-{os.getpid()}", 20)
        post_all(client, key, warm["first"] + warm["repeat"])
        bodies = probe_bodies(f"prof-{os.getpid()}", count)
        for mode in ("first", "repeat"):
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            codes = post_all(client, key, bodies[mode])
            profiler.disable()
            elapsed = time.perf_counter() - started
            # The raw table behind pstats' reports: real, but not in typeshed's stubs.
            stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
            rows = []
            for label, suffix, func in PROFILE_ROWS:
                total = sum(
                    ct
                    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items()
                    if name == func and filename.endswith(suffix)
                )
                rows.append((label, total / count * 1000))
            results[mode] = {
                "requests": count,
                "statuses": {str(k): v for k, v in codes.items()},
                "ms_per_request_profiled": elapsed / count * 1000,
                "rows": rows,
            }
    return results


def measure(bench: WriteBench) -> None:
    spy = optional_tool("py-spy")
    spy_summary = None
    if spy is None:
        log(f"py-spy is not installed, skipping the live profile: {PY_SPY}")
    else:
        server = bench.start()
        log(f"{server.description} on port {server.port}; warming up")
        bench.load("first", bench.options.warmup, f"warm{os.getpid()}")
        log("live profile with py-spy")
        spy_summary = profile_live(bench, spy)
        bench.stop()
    log(f"cProfile of one in-process worker, {bench.options.requests} requests of each kind")
    profiled = cprofile_requests(bench.env, bench.key, bench.options.requests)
    report(bench, spy_summary, profiled)


def report(bench: WriteBench, spy: dict[str, Any] | None, profiled: dict[str, Any]) -> None:
    lines = bench.header(
        "consent_profile: where the time of POST /v1/consents goes",
        server=spy is not None,
        raw=False,
    )
    if spy and spy.get("samples"):
        per = spy["server_cpu_ms_per_request"]
        lines.append(
            f"py-spy --gil on the live workers ({spy['samples']} samples): share of the "
            f"server's CPU, and ms of the {per:.2f} ms server CPU per first-time write"
        )
        for label, share in spy["buckets"].items():
            lines.append(f"  {share:6.1%} {per * share:6.2f} ms  {label}")
        lines.append("  by library of the innermost Python frame:")
        for label, share in spy["libraries"].items():
            lines.append(f"  {share:6.1%} {per * share:6.2f} ms  {label}")
    else:
        lines.append(f"py-spy: no live profile ({PY_SPY})")
    for mode, data in profiled.items():
        lines.append("")
        lines.append(
            f"cProfile, one in-process worker, {data['requests']} sequential {mode} requests "
            f"({data['ms_per_request_profiled']:.2f} ms each under the profiler); "
            "cumulative wall ms per request:"
        )
        lines.extend(f"  {ms:7.3f}  {label}" for label, ms in data["rows"])
    lines += bench.footer()
    print("\n".join(lines), flush=True)
    bench.write_json(pyspy=spy, cprofile=profiled)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser)
    add_server_options(parser)
    parser.add_argument(
        "--requests", type=int, default=500, help="profiled in-process requests of each kind"
    )
    add_database_options(parser)
    options = parser.parse_args(argv)
    check_positive(parser, options)
    budget = 240 + options.warmup + options.seconds + options.requests * 0.2
    return run(options, budget, measure)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark `POST /v1/consents` against gunicorn + PostgreSQL, next to the raw database rate.

The acceptance figures: first-time and repeat writes through the service, then, gunicorn
stopped, the "physical limit" from the same number of connections (a plain psycopg
transaction of 4 INSERTs + COMMIT on the same tables, one row each, and again writing the 10
rows of a first-time write); the ratio, CPU per request and whether the targets are met.

    .venv/bin/python bench/consent_writes.py [--seconds 20] [--concurrency 16] [--workers N]

See bench/README.md for the options and docs/performance.md for results and analysis.
"""

from __future__ import annotations

import argparse
import os
import sys

from support.phases import cpu_per_request, neighbour_warnings, phase_table, rows_written
from support.raw_writes import RAW_NAME, SAME_ROWS_NAME
from support.report import log, verdict
from support.service import describe_shape
from support.write_bench import (
    WriteBench,
    add_database_options,
    add_load_options,
    add_server_options,
    check_positive,
    run,
)

FIRST = "HTTP first-time writes"
REPEAT = "HTTP repeat writes"
TARGET_RATE = 1000
TARGET_RATIO = 0.6
TARGET_P99_MS = 50


def measure(bench: WriteBench) -> None:
    options = bench.options
    server = bench.start()
    log(f"{server.description} on port {server.port}; warming up")
    first = bench.first_time_writes(FIRST, f"first{os.getpid()}")
    if options.repeat:
        emails = bench.dump_emails(200_000)
        log(f"repeat writes over {len(emails.read_text().split())} existing subjects")
        repeat = bench.load("repeat", options.seconds, "repeat", emails)
        repeat.name = REPEAT
        bench.phases.append(repeat)
    bench.stop()
    raw = bench.raw(RAW_NAME)
    same_rows = bench.raw(SAME_ROWS_NAME, rows=3)
    report(bench, first.rate / raw.rate if raw.rate else 0.0, same_rows.rate)


def report(bench: WriteBench, ratio: float, same_rows_rate: float) -> None:
    options = bench.options
    first = bench.phases[0]
    lines = bench.header(
        f"consent_writes: POST /v1/consents, {options.concurrency} concurrent connections, "
        f"{options.seconds:.0f} s per phase"
    )
    lines += phase_table(bench.phases)
    lines += ["", f"ratio HTTP first-time / {RAW_NAME}: {ratio:.2f}"]
    if same_rows_rate:
        lines.append(f"ratio HTTP first-time / {SAME_ROWS_NAME}: {first.rate / same_rows_rate:.2f}")
    lines += ["", *cpu_per_request(bench.phases)]
    lines += rows_written(bench.phases)
    lines += neighbour_warnings(bench.phases)
    p99 = first.latencies_ms["p99"]
    checks = [
        (f">= {TARGET_RATE} writes/s", first.rate >= TARGET_RATE, f"{first.rate:.0f}/s"),
        (f">= {TARGET_RATIO} of raw rate", ratio >= TARGET_RATIO, f"{ratio:.2f}"),
        (f"p99 < {TARGET_P99_MS} ms", p99 < TARGET_P99_MS, f"{p99:.1f} ms"),
    ]
    lines += [
        "",
        "targets (HTTP first-time writes): "
        + "; ".join(f"{name}: {verdict(ok)} ({value})" for name, ok, value in checks),
    ]
    lines += bench.footer()
    print("\n".join(lines), flush=True)
    bench.write_json(
        server=describe_shape(options.worker_class, options.workers, options.threads),
        load_generator=bench.generator.describe() if bench.generator else None,
        ratio=round(ratio, 3),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser)
    add_server_options(parser)
    parser.add_argument(
        "--no-repeat",
        dest="repeat",
        action="store_false",
        help="skip the repeat-writes phase (existing subjects)",
    )
    add_database_options(parser)
    options = parser.parse_args(argv)
    check_positive(parser, options)
    http_phases = 2 if options.repeat else 1
    budget = (
        120 + (options.warmup + options.seconds + 10) * http_phases + 2 * (options.seconds + 10)
    )
    return run(options, budget, measure)


if __name__ == "__main__":
    sys.exit(main())

"""The HTTP floor of this stack: the same write from bare apps on the same gunicorn.

First-time writes through the service, then the same request served by a bare WSGI
function, the same function with its transaction pipelined, and a bare Flask route, each
writing the same 10 rows with psycopg (no SQLAlchemy, marshmallow or domain code); then the
raw psycopg transactions from the same number of connections. What the framework stack
costs, next to what the web server and the database cost on their own.

    .venv/bin/python bench/consent_floors.py [--seconds 20] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import os
import sys

from support.floor_apps import FLOORS
from support.phases import cpu_per_request, neighbour_warnings, phase_table
from support.raw_writes import RAW_NAME, SAME_ROWS_NAME
from support.report import log
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


def measure(bench: WriteBench) -> None:
    server = bench.start()
    log(f"{server.description} on port {server.port}; warming up")
    bench.first_time_writes(FIRST, f"first{os.getpid()}")
    bench.stop()
    for index, (app, name) in enumerate(FLOORS):
        bench.start(app)
        bench.first_time_writes(name, f"floor{index}-{os.getpid()}", warmup=2)
        bench.stop()
    bench.raw(RAW_NAME)
    bench.raw(SAME_ROWS_NAME, rows=3)
    report(bench)


def report(bench: WriteBench) -> None:
    options = bench.options
    lines = bench.header(
        f"consent_floors: POST /v1/consents and bare apps writing the same rows, "
        f"{options.concurrency} concurrent connections, {options.seconds:.0f} s per phase"
    )
    lines += phase_table(bench.phases)
    lines.append("")
    by_name = {phase.name: phase for phase in bench.phases}
    for limit in (RAW_NAME, SAME_ROWS_NAME):
        raw = by_name[limit]
        for phase in bench.phases:
            if phase.name.startswith("HTTP") and raw.rate:
                lines.append(f"ratio {phase.name} / {limit}: {phase.rate / raw.rate:.2f}")
    lines += ["", *cpu_per_request(bench.phases)]
    lines += neighbour_warnings(bench.phases)
    lines += bench.footer()
    print("\n".join(lines), flush=True)
    bench.write_json(
        server=describe_shape(options.worker_class, options.workers, options.threads),
        load_generator=bench.generator.describe() if bench.generator else None,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser)
    add_server_options(parser)
    add_database_options(parser)
    options = parser.parse_args(argv)
    check_positive(parser, options)
    budget = (
        120
        + (options.warmup + options.seconds + 10)
        + len(FLOORS) * (options.seconds + 15)
        + 2 * (options.seconds + 10)
    )
    return run(options, budget, measure)


if __name__ == "__main__":
    sys.exit(main())

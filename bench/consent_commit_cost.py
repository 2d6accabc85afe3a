"""What a commit costs: the raw consent transaction with `synchronous_commit` on and off.

The raw psycopg transaction of a consent write (BEGIN, 4 INSERT, COMMIT, one row each) from
`--concurrency` connections, as PostgreSQL is configured, then with `synchronous_commit=off`
(commits no longer wait for the WAL flush). The gap is what waiting for the disk costs; the
first figure is the limit the service's writes are compared with (bench/consent_writes.py).

    .venv/bin/python bench/consent_commit_cost.py [--seconds 20] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import sys

from support.phases import cpu_per_request, neighbour_warnings, phase_table
from support.raw_writes import RAW_NAME
from support.write_bench import (
    WriteBench,
    add_database_options,
    add_load_options,
    check_positive,
    run,
)

ASYNC_NAME = "raw, synchronous_commit=off"


def measure(bench: WriteBench) -> None:
    synchronous = bench.raw(RAW_NAME)
    asynchronous = bench.raw(ASYNC_NAME, async_commit=True)
    lines = bench.header(
        f"consent_commit_cost: the raw transaction, {bench.options.concurrency} connections, "
        f"{bench.options.seconds:.0f} s per phase",
        server=False,
    )
    lines += phase_table(bench.phases)
    if synchronous.rate:
        gain = asynchronous.rate / synchronous.rate - 1
        lines += ["", f"synchronous_commit=off changes the raw rate by {gain:+.0%}"]
    lines += ["", *cpu_per_request(bench.phases)]
    lines += neighbour_warnings(bench.phases)
    lines += bench.footer()
    print("\n".join(lines), flush=True)
    bench.write_json()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser, http=False)
    add_database_options(parser)
    options = parser.parse_args(argv)
    check_positive(parser, options)
    return run(options, 120 + 2 * (options.seconds + 10), measure, with_load=False)


if __name__ == "__main__":
    sys.exit(main())

"""Which gunicorn shape serves consent writes best: first-time writes per server shape.

Each shape (`sync:3` is 3 sync workers, `gthread:2x4` 2 gthread workers of 4 threads) gets
its warm-up and `--seconds` of first-time writes; then the raw psycopg transaction from the
same number of connections, the limit every shape is compared with.

    .venv/bin/python bench/consent_shapes.py [sync:2 sync:3 sync:4 gthread:2x4] [--seconds 10]
"""

from __future__ import annotations

import argparse
import sys

from support.phases import cpu_per_request, neighbour_warnings, phase_table
from support.raw_writes import RAW_NAME
from support.report import log
from support.service import describe_shape
from support.write_bench import (
    WriteBench,
    add_database_options,
    add_load_options,
    check_positive,
    run,
)

DEFAULT_SHAPES = ["sync:2", "sync:3", "sync:4", "gthread:2x4"]


def parse_shape(text: str) -> tuple[str, int, int]:
    """`sync:3` or `gthread:2x4` -> (worker class, workers, threads)."""
    kind, _, shape = text.partition(":")
    workers, _, threads = shape.partition("x")
    if kind not in ("sync", "gthread") or not workers.isdigit() or not (threads or "1").isdigit():
        raise argparse.ArgumentTypeError(f"not a shape: {text!r} (e.g. sync:3, gthread:2x4)")
    return kind, int(workers), int(threads or 1)


def measure(bench: WriteBench) -> None:
    for index, shape in enumerate(bench.options.shapes):
        bench.start(shape=shape)
        try:
            phase = bench.first_time_writes(describe_shape(*shape), f"shape{index}")
        finally:
            bench.stop()
        log(f"{phase.name}: {phase.rate:.0f}/s p99 {phase.latencies_ms['p99']:.1f} ms")
    raw = bench.raw(RAW_NAME)
    lines = bench.header(
        f"consent_shapes: first-time writes per gunicorn shape, "
        f"{bench.options.concurrency} concurrent connections, {bench.options.seconds:.0f} s each",
        server=False,
    )
    lines += phase_table(bench.phases)
    lines.append("")
    lines += [
        f"ratio {phase.name} / {RAW_NAME}: {phase.rate / raw.rate:.2f}"
        for phase in bench.phases
        if phase is not raw and raw.rate
    ]
    lines += ["", *cpu_per_request(bench.phases)]
    lines += neighbour_warnings(bench.phases)
    lines += bench.footer()
    print("\n".join(lines), flush=True)
    bench.write_json(shapes=[describe_shape(*shape) for shape in bench.options.shapes])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "shapes",
        nargs="*",
        type=parse_shape,
        default=[parse_shape(shape) for shape in DEFAULT_SHAPES],
        metavar="CLASS:WORKERS[xTHREADS]",
        help=f"server shapes to compare (default: {' '.join(DEFAULT_SHAPES)})",
    )
    add_load_options(parser, seconds=10)
    parser.add_argument(
        "--gunicorn-args",
        default="",
        help="extra gunicorn arguments for the service, e.g. '--preload' or '-c conf.py'",
    )
    add_database_options(parser)
    options = parser.parse_args(argv)
    check_positive(parser, options)
    budget = (
        120 + len(options.shapes) * (options.warmup + options.seconds + 20) + (options.seconds + 10)
    )
    return run(options, budget, measure)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark `consent import` on PostgreSQL, next to a raw COPY of the same rows.

Self-contained: creates a fresh database `bench_import_<pid>_<time>`, migrates it, writes a
CSV of `--rows` rows (by default 100,000: 50,000 people with two purposes each, 1 % of the
rows invalid so the report path is exercised), then measures in the same run:

1. `consent import FILE` as a user runs it (a new process, progress on stderr);
2. the same command again on the same file (every row unchanged);
3. the physical limit: `COPY ... FROM STDIN (FORMAT csv)` of the same file into a plain
   table with the file's columns (text, no index);
4. and of the rows the import wrote (subjects, consents, ledger, outbox, with their
   indexes) into empty copies of those tables: the cheapest way to store the same result.

Each phase reports seconds, rows/s and the CPU of the writing process, of PostgreSQL and of
everything else on the machine (a busy neighbour shows up there). The database is dropped at
the end, also on errors and Ctrl-C.

    .venv/bin/python bench/import.py [--rows 100000] [--purposes-per-person 2]
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from consent_service.adapters import schema
from consent_service.domain.import_rows import COLUMNS

from support.databases import admin_url, create_database, drop_database, table_counts
from support.machine import (
    CORES,
    BackendSampler,
    children_cpu_seconds,
    cpu_snapshot,
    cpu_usage,
    describe_machine,
    describe_postgres,
)
from support.processes import REPO
from support.report import log, verdict

POLICY_VERSION = "2026-11-01"
POLICY_EFFECTIVE = datetime(2026, 11, 1, tzinfo=UTC)
PURPOSES = (
    ("newsletters", "granted"),
    ("personalization", "granted"),
    ("promotions", "withdrawn"),
    ("surveys", "granted"),
)
RESULT_TABLES = ("subjects", "consents", "consent_ledger", "outbox")
TARGET_SECONDS = 60.0
TARGET_ROWS = 100_000


@dataclass
class Phase:
    name: str
    rows: int
    seconds: float
    cpu: dict[str, float] = field(default_factory=dict)
    note: str = ""

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def cpu_ms_per_1000(self, kind: str) -> float:
        return self.cpu.get(kind, 0.0) * self.seconds / self.rows * 1000 * 1000 if self.rows else 0


def write_csv(path: Path, rows: int, per_person: int, invalid_share: float) -> int:
    """The file to import; returns how many rows are deliberately invalid."""
    rng = random.Random(17)
    span = (datetime.now(UTC) - timedelta(hours=1) - POLICY_EFFECTIVE).total_seconds()
    invalid = 0
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(rows):
            person, slot = divmod(n, per_person)
            purpose, status = PURPOSES[slot % len(PURPOSES)]
            email = f"person{person}@example.kg"
            if rng.random() < invalid_share:
                email, invalid = f"person{person}-at-example.kg", invalid + 1
            moment = POLICY_EFFECTIVE + timedelta(seconds=rng.uniform(0, span))
            writer.writerow(
                [
                    email,
                    purpose,
                    status,
                    moment.isoformat(timespec="seconds"),
                    "newsletter_form",
                    POLICY_VERSION,
                    ("ky", "ru", "en")[person % 3],
                    f"Person {person}",
                    f"u-{person}",
                    "footer",
                    f"203.0.{person % 256}.{person % 199}",
                    "Mozilla/5.0 (X11; Linux x86_64)",
                ]
            )
    return invalid


def measured(name: str, rows: int, db: str, admin: str, run: Callable[[], str]) -> Phase:
    """Run one phase in child processes; CPU of the children is the writer's."""
    sampler = BackendSampler(admin, db)
    children_before = children_cpu_seconds()
    before = cpu_snapshot(admin)
    sampler.start()
    started = time.monotonic()
    note = run()
    seconds = time.monotonic() - started
    sampler.stop()
    after = cpu_snapshot(admin)
    reaped = children_cpu_seconds() - children_before
    cpu = cpu_usage(before, after, None, set(), db, reaped_client_seconds=reaped)
    cores = sampler.gone_cores(before, after)
    cpu["db"] += cores
    cpu["other"] = max(0.0, cpu["other"] - cores)
    return Phase(name, rows, seconds, cpu, note)


def run_import(csv_path: Path, env: dict[str, str], batch_size: int) -> str:
    command = [sys.executable, "-m", "consent_service", "import", str(csv_path)]
    result = subprocess.run(
        [*command, "--batch-size", str(batch_size)],
        env=os.environ | env,
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"consent import failed ({result.returncode}):\n{result.stderr}")
    return result.stdout.strip().splitlines()[-1]


def _copy_file(url: str, csv_path: str) -> None:
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        columns = ", ".join(f"{c} text" for c in COLUMNS)
        cursor.execute(f"CREATE TABLE raw_rows ({columns})")
        with (
            open(csv_path, "rb") as handle,
            cursor.copy("COPY raw_rows FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while data := handle.read(1 << 16):
                copy.write(data)


def _copy_result(url: str, dumps: dict[str, bytes]) -> None:
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        for table, data in dumps.items():
            with cursor.copy(f"COPY copy_{table} FROM STDIN") as copy:
                copy.write(data)


def in_child(target: Callable[..., None], *args: object) -> str:
    # fork, not spawn: the child starts at once with psycopg loaded, so the phase times the
    # COPY and not a Python start-up
    process = multiprocessing.get_context("fork").Process(target=target, args=args)
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"{target.__name__} failed with exit code {process.exitcode}")
    return ""


def dump_result(url: str) -> tuple[dict[str, bytes], int]:
    """The rows the import wrote, as COPY text, and empty copies of their tables to load."""
    dumps: dict[str, bytes] = {}
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        for table in RESULT_TABLES:
            cursor.execute(f"CREATE TABLE copy_{table} (LIKE {table} INCLUDING ALL)")
            chunks: list[bytes] = []
            with cursor.copy(f"COPY {table} TO STDOUT") as copy:
                chunks.extend(bytes(chunk) for chunk in copy)
            dumps[table] = b"".join(chunks)
    return dumps, sum(data.count(b"\n") for data in dumps.values())


def report(args: argparse.Namespace, phases: list[Phase], counts: dict[str, int]) -> None:
    head = (
        f"{'phase':<44}{'rows':>9}{'seconds':>9}{'rows/s':>9}"
        f"{'writer':>8}{'db':>7}{'other':>7}   CPU ms per 1000 rows: writer, db"
    )
    lines = [
        "",
        f"import: {args.rows} rows, {args.purposes_per_person} purposes per person, "
        f"batches of {args.batch_size}",
        f"machine:  {describe_machine()}",
        f"database: {describe_postgres(args.admin_url)}",
        "",
        head,
        "-" * len(head),
    ]
    for p in phases:
        lines.append(
            f"{p.name:<44}{p.rows:>9}{p.seconds:>9.2f}{p.rate:>9.0f}"
            f"{p.cpu.get('client', 0):>8.2f}{p.cpu.get('db', 0):>7.2f}{p.cpu.get('other', 0):>7.2f}"
            f"   {p.cpu_ms_per_1000('client'):8.1f} {p.cpu_ms_per_1000('db'):8.1f}"
        )
        if p.note:
            lines.append(f"    {p.note}")
    first, raw, result = phases[0], phases[2], phases[3]
    lines += [
        "",
        "CPU columns: average cores busy during the phase (writer: the import command or the",
        f"COPY client; db: PostgreSQL; other: everything else on the {CORES}-core machine)",
        f"rows written by the import: {counts}",
        f"ratio import / raw COPY of the file: {first.rate / raw.rate:.3f} (rows/s)",
        f"the import takes {first.seconds / result.seconds:.1f} times as long as a raw COPY "
        "of the rows it writes",
    ]
    scaled = first.seconds * TARGET_ROWS / args.rows
    measured_as = "" if args.rows == TARGET_ROWS else f", scaled from {args.rows:,} rows"
    lines.append(
        f"target {TARGET_ROWS:,} rows in under {TARGET_SECONDS:.0f} s: "
        f"{verdict(scaled < TARGET_SECONDS)} "
        f"({scaled:.1f} s{measured_as})"
    )
    for p in phases:
        if p.cpu.get("other", 0) > 0.1 * CORES:
            lines.append(
                f"WARNING: not alone during {p.name!r}: other processes used "
                f"{p.cpu['other']:.2f} cores"
            )
    print("\n".join(lines), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=TARGET_ROWS)
    parser.add_argument("--purposes-per-person", type=int, default=2, choices=range(1, 5))
    parser.add_argument("--invalid-share", type=float, default=0.01)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--admin-url", default=admin_url())
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    name = f"bench_import_{os.getpid()}_{int(time.time())}"
    url = create_database(args.admin_url, name)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
            return bench(args, Path(tmp), name, url)
    finally:
        if not args.keep_db:
            drop_database(args.admin_url, name)
        log(f"database {name} " + ("kept" if args.keep_db else "dropped"))


def bench(args: argparse.Namespace, tmp: Path, name: str, url: str) -> int:
    schema.upgrade(url.replace("postgresql://", "postgresql+psycopg://"))
    csv_path = tmp / "people.csv"
    invalid = write_csv(csv_path, args.rows, args.purposes_per_person, args.invalid_share)
    log(f"{csv_path.stat().st_size / 1e6:.1f} MB CSV, {invalid} invalid rows")
    env = {
        "CONSENT_DATABASE_URL": url,
        "CONSENT_SECRET_KEY": "bench-secret",
        "CONSENT_INSTANCE_DIR": str(tmp / "instance"),
    }
    phases = [
        measured(
            "consent import",
            args.rows,
            name,
            args.admin_url,
            lambda: run_import(csv_path, env, args.batch_size),
        ),
        measured(
            "consent import again (all unchanged)",
            args.rows,
            name,
            args.admin_url,
            lambda: run_import(csv_path, env, args.batch_size),
        ),
        measured(
            "raw COPY of the file into a plain table",
            args.rows,
            name,
            args.admin_url,
            lambda: in_child(_copy_file, url, str(csv_path)),
        ),
    ]
    counts = table_counts(url, RESULT_TABLES)
    dumps, written = dump_result(url)
    phases.append(
        measured(
            "raw COPY of the import's rows (4 tables)",
            args.rows,
            name,
            args.admin_url,
            lambda: in_child(_copy_result, url, dumps),
        )
    )
    phases[-1].note = f"{written} table rows with their indexes, for the same {args.rows} CSV rows"
    report(args, phases, counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())

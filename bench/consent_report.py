"""Benchmark `GET /v1/reports/consents` streaming 1,000,000 consents from gunicorn.

Self-contained: creates a fresh database `bench_report_<pid>_<time>`, migrates it, and loads
`--subjects` people with the console benchmark's `generate_series` statements (subjects,
their consents to four purposes, one ledger entry per consent; 390,000 people make about
1,005,000 consents). It starts gunicorn with deploy/gunicorn.conf.py and one sync worker, then
in the same run:

1. the worker's resident memory idle, after a warm-up request (the limit's base);
2. a report of about a tenth of the rows (`purpose=surveys&status=granted`), then the whole
   current report as CSV, then the whole ledger as JSON Lines: rows, seconds, rows/s, MB/s,
   and the worker's peak resident memory during each (sampled every 20 ms, and VmHWM reset
   before each phase where the kernel allows it);
3. next to them: PostgreSQL's own `COPY (SELECT ...) TO STDOUT` of the same rows, the floor.

Steps 2 and 3 run `--rounds` times (default 3) on the same data and server; the table shows
each figure's median with the spread (slowest minus fastest seconds), and each phase's highest
peak over the rounds, which is what the limit is judged on.

Limit: memory flat in the size of the report, i.e. the peak while streaming a million rows
is within 32 MB of the idle worker's memory and within 16 MB of the tenth's peak.

The database is dropped at the end, also on errors and Ctrl-C.

    .venv/bin/python bench/consent_report.py [--subjects 390000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from console_dashboard import LOAD, PURPOSES

from support.databases import admin_url, create_database, drop_database, table_counts
from support.machine import CORES, cpu_snapshot, cpu_usage, describe_machine, describe_postgres
from support.processes import REPO
from support.report import log, verdict
from support.service import create_api_key, migrate, start_server, stop_server

ABOVE_IDLE_MB = 32.0
ABOVE_TENTH_MB = 16.0
TABLES = ("subjects", "consents", "consent_ledger")
COPY_CURRENT = """
    COPY (SELECT c.subject_id, c.purpose, c.status, c.updated_at, c.source, c.policy_version,
                 l.actor, c.version, l.hash
          FROM consents c LEFT JOIN consent_ledger l
               ON l.subject_id = c.subject_id AND l.seq = c.version
          ORDER BY c.subject_id, c.purpose) TO STDOUT (FORMAT csv, HEADER)
"""


def load(url: str, subjects: int) -> float:
    """Subjects, consents and ledger entries as bench/console_dashboard.py makes them."""
    started = time.monotonic()
    purposes = ", ".join(
        f"('{purpose}', {seq}, {asked}, {granted}, {pending})"
        for seq, (purpose, asked, granted, pending) in enumerate(PURPOSES, start=1)
    )
    with psycopg.connect(url, autocommit=True) as conn:
        for table in TABLES:
            statement = LOAD[table]
            if table == "consents":
                statement = statement.format(purposes=purposes)
            conn.execute(statement, {"subjects": subjects} if "%(subjects)s" in statement else None)
            log(f"loaded {table}")
        conn.execute("VACUUM ANALYZE")
    return time.monotonic() - started


def worker_of(master: int) -> int:
    """The one worker gunicorn forked."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def rss_mb(pid: int, field: str = "VmRSS:") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return float("nan")


class RssSampler(threading.Thread):
    """The worker's resident memory every 20 ms while a phase runs; its peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()
        self.hwm_reset = False
        with contextlib.suppress(OSError):  # "5" resets VmHWM (proc(5)); not everywhere
            Path(f"/proc/{pid}/clear_refs").write_text("5")
            self.hwm_reset = True

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self.done.wait(0.02)

    def stop(self) -> float:
        self.done.set()
        self.join(timeout=5)
        self.peak = max(self.peak, rss_mb(self.pid))
        if self.hwm_reset:
            self.peak = max(self.peak, rss_mb(self.pid, "VmHWM:"))
        return self.peak


@dataclass
class Phase:
    label: str
    rows: int
    seconds: float
    megabytes: float
    peak_mb: float

    spread: float = 0.0
    """Slowest minus fastest seconds over the rounds this phase stands for."""

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def median_of(rounds: list[Phase]) -> Phase:
    """A phase's rounds as one: median seconds and size, the highest peak, and the spread."""
    seconds = [phase.seconds for phase in rounds]
    return Phase(
        rounds[0].label,
        rounds[0].rows,
        statistics.median(seconds),
        statistics.median(phase.megabytes for phase in rounds),
        max(phase.peak_mb for phase in rounds),
        max(seconds) - min(seconds),
    )


def download(port: int, key: str, query: str, worker: int, label: str) -> Phase:
    """The report, read as fast as this client can; lines counted, nothing kept."""
    sampler = RssSampler(worker)
    sampler.start()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.monotonic()
    connection.request("GET", f"/v1/reports/consents?{query}", headers={"Authorization": key})
    answer = connection.getresponse()
    if answer.status != 200:
        raise RuntimeError(f"{query}: {answer.status} {answer.read()[:500]!r}")
    lines = size = 0
    while chunk := answer.read(1 << 20):
        lines += chunk.count(b"\n")
        size += len(chunk)
    seconds = time.monotonic() - started
    connection.close()
    header = 1 if "format=jsonl" not in query else 0
    phase = Phase(label, lines - header, seconds, size / 1e6, sampler.stop())
    log(f"{label}: {phase.rows:,} rows in {seconds:.1f} s, peak {phase.peak_mb:.1f} MB")
    return phase


def copy_floor(url: str) -> Phase:
    started, size, lines = time.monotonic(), 0, 0
    with psycopg.connect(url) as conn, conn.cursor().copy(COPY_CURRENT) as copy:
        for chunk in copy:
            size += len(chunk)
            lines += bytes(chunk).count(b"\n")
    return Phase("COPY ... TO STDOUT", lines - 1, time.monotonic() - started, size / 1e6, 0.0)


def bench(args: argparse.Namespace, tmp: Path, name: str, url: str) -> int:
    env = {
        **os.environ,
        "CONSENT_DATABASE_URL": url,
        "CONSENT_SECRET_KEY": "bench-secret",
        "CONSENT_INSTANCE_DIR": str(tmp / "instance"),
        "BROKER_URL": "",
    }
    migrate(env)
    load_seconds = load(url, args.subjects)
    counts = table_counts(url, TABLES)
    key = "Bearer " + create_api_key(env, "subjects:read")
    server = start_server(
        env, tmp, workers=1, extra=f"--config {REPO / 'deploy' / 'gunicorn.conf.py'}"
    )
    rounds: dict[str, list[Phase]] = {}
    usage: list[dict[str, float]] = []
    try:
        worker = worker_of(server.process.pid)
        download(server.port, key, "purpose=surveys&status=pending", worker, "warm-up")
        time.sleep(1)
        idle = rss_mb(worker)
        for round_number in range(1, args.rounds + 1):
            log(f"round {round_number} of {args.rounds}")
            tenth = download(
                server.port, key, "purpose=surveys&status=granted", worker, "a tenth, CSV"
            )
            before = cpu_snapshot(args.admin_url)
            current = download(server.port, key, "kind=current", worker, "current, CSV")
            after = cpu_snapshot(args.admin_url)
            usage.append(cpu_usage(before, after, server.process.pid, {os.getpid()}, name))
            ledger = download(
                server.port, key, "kind=ledger&format=jsonl", worker, "ledger, JSON Lines"
            )
            for phase in (tenth, current, ledger, copy_floor(url)):
                rounds.setdefault(phase.label, []).append(phase)
    finally:
        stop_server(server)
    tenth, current, ledger, floor = (median_of(phases) for phases in rounds.values())
    cpu = {part: statistics.median(u[part] for u in usage) for part in usage[0]}
    flat = (
        current.peak_mb - idle <= ABOVE_IDLE_MB
        and current.peak_mb - tenth.peak_mb <= ABOVE_TENTH_MB
    )
    head = f"{'':<24}{'rows':>11}{'s':>8}{'spread':>8}{'rows/s':>10}{'MB/s':>8}{'peak RSS MB':>13}"
    lines = [
        "",
        f"consent report: {counts['subjects']:,} people, {counts['consents']:,} consents, "
        f"{counts['consent_ledger']:,} ledger entries (loaded in {load_seconds:.0f} s)",
        f"machine:  {describe_machine()}",
        f"database: {describe_postgres(args.admin_url)}",
        f"server:   {server.description}, deploy/gunicorn.conf.py",
        f"rounds:   {args.rounds} (medians; spread = slowest - fastest seconds; peak = highest)",
        "",
        head,
        "-" * len(head),
    ]
    for phase in (tenth, current, ledger, floor):
        peak = f"{phase.peak_mb:>13.1f}" if phase.peak_mb else f"{'':>13}"
        lines.append(
            f"{phase.label:<24}{phase.rows:>11,}{phase.seconds:>8.1f}{phase.spread:>8.1f}"
            f"{phase.rate:>10,.0f}"
            f"{phase.megabytes / phase.seconds:>8.1f}{peak}"
        )
    lines += [
        "",
        f"idle worker RSS: {idle:.1f} MB",
        f"limit: streaming {current.rows:,} rows keeps the worker within {ABOVE_IDLE_MB:.0f} MB "
        f"of idle and {ABOVE_TENTH_MB:.0f} MB of the tenth's peak: {verdict(flat)} "
        f"(+{current.peak_mb - idle:.1f} MB over idle, "
        f"{current.peak_mb - tenth.peak_mb:+.1f} MB over the tenth)",
        f"the current report ran at {current.rate / floor.rate:.2f} of COPY's rate",
        f"CPU during the current report, median (cores of {CORES}): server {cpu['server']:.2f}, "
        f"db {cpu['db']:.2f}, this client {cpu['client']:.2f}, other {cpu['other']:.2f}",
    ]
    if cpu["other"] > 0.1 * CORES:
        lines.append(f"WARNING: not alone: other processes used {cpu['other']:.2f} cores")
    print("\n".join(lines), flush=True)
    return 0 if flat else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=390_000)
    parser.add_argument("--admin-url", default=admin_url())
    parser.add_argument("--rounds", type=int, default=3, help="repeat the downloads this often")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    logging.getLogger().setLevel(logging.WARNING)
    name = f"bench_report_{os.getpid()}_{int(time.time())}"
    url = create_database(args.admin_url, name)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
            return bench(args, Path(tmp), name, url)
    finally:
        if not args.keep_db:
            drop_database(args.admin_url, name)
        log(f"database {name} " + ("kept" if args.keep_db else "dropped"))


if __name__ == "__main__":
    sys.exit(main())

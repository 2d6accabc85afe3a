"""One run of a consent-write benchmark: its database, key, server, load phases and teardown.

Every consent-write script (consent_writes, consent_floors, consent_shapes, consent_profile,
consent_round_trips, consent_commit_cost) takes the same options for what they share,
creates a fresh database `bench_<pid>_<time>` with an API key, and tears everything down
(gunicorn stopped, load processes ended, database dropped) also on errors, Ctrl-C, SIGTERM or
when the run exceeds its time limit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from support.databases import admin_url, create_database, drop_database, table_counts, url_of
from support.load import Load, LoadGenerator
from support.machine import (
    children_cpu_seconds,
    cpu_snapshot,
    cpu_usage,
    describe_machine,
    describe_postgres,
)
from support.phases import Phase
from support.processes import BenchError, BenchTimeout, end_spawned, time_limit
from support.raw_writes import run_raw
from support.report import log, write_json
from support.service import (
    SERVICE_APP,
    Server,
    create_api_key,
    describe_shape,
    migrate,
    start_server,
    stop_server,
)

WRITTEN_TABLES = ("subjects", "consents", "consent_ledger", "outbox")


def add_database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--admin-url", default=admin_url())
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--time-limit", type=float, help="hard bound on the whole run (s)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument("--keep-files", action="store_true", help="keep the work directory")


def add_load_options(
    parser: argparse.ArgumentParser, seconds: float = 20, http: bool = True
) -> None:
    """The measured load: its length and connections, the raw baseline's processes and, for
    HTTP load, the warm-up and the load generator."""
    parser.add_argument("--seconds", type=float, default=seconds, help="per measured phase")
    parser.add_argument("--concurrency", type=int, default=16, help="client connections")
    parser.add_argument(
        "--client-processes",
        type=int,
        default=2,
        help="processes of the Python load generator and of the raw baseline",
    )
    if http:
        parser.add_argument("--warmup", type=float, default=5, help="seconds of unmeasured load")
        parser.add_argument("--load-generator", default="auto", choices=["auto", "wrk", "python"])
        parser.add_argument("--client-threads", type=int, default=1, help="wrk threads")


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """The gunicorn shape. Why 3 sync workers: see bench/README.md."""
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument(
        "--gunicorn-args",
        default="",
        help="extra gunicorn arguments for the service, e.g. '--preload' or '-c conf.py'",
    )


def check_positive(parser: argparse.ArgumentParser, options: argparse.Namespace) -> None:
    for name in ("concurrency", "workers", "seconds"):
        if getattr(options, name, 1) < 1:
            parser.error("--concurrency, --workers and --seconds must be positive")


@dataclass
class WriteBench:
    options: argparse.Namespace
    workdir: Path
    db: str
    url: str
    env: dict[str, str]
    started: float = field(default_factory=time.monotonic)
    key: str = ""
    database_created: bool = False
    generator: LoadGenerator | None = None
    server: Server | None = None
    phases: list[Phase] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def named(cls, options: argparse.Namespace) -> WriteBench:
        db = f"bench_{os.getpid()}_{int(time.time())}"
        workdir = Path(tempfile.mkdtemp(prefix="consent-bench-"))
        url = url_of(options.admin_url, db)
        env = {
            **os.environ,
            "CONSENT_DATABASE_URL": url,
            "CONSENT_INSTANCE_DIR": str(workdir / "instance"),
            "CONSENT_ENV": "development",
        }
        return cls(options=options, workdir=workdir, db=db, url=url, env=env)

    def setup(self, with_load: bool) -> None:
        """The load generator if needed (first: a missing tool ends the run before anything
        is made), then the database migrated and a `consents:write` key."""
        if with_load:
            self.generator = LoadGenerator.choose(
                self.options.load_generator,
                self.workdir,
                self.options.client_threads,
                self.options.client_processes,
            )
            if self.generator.wrk is None:
                log(f"load: {self.generator.describe()}")
        create_database(self.options.admin_url, self.db)
        self.database_created = True
        log(f"created database {self.db}; migrating")
        migrate(self.env)
        self.key = create_api_key(self.env, "consents:write")

    def start(
        self,
        app: str = SERVICE_APP,
        shape: tuple[str, int, int] | None = None,
    ) -> Server:
        """gunicorn serving `app`, in the shape of the options unless `shape` is given."""
        kind, workers, threads = shape or (
            self.options.worker_class,
            self.options.workers,
            self.options.threads,
        )
        extra = self.options.gunicorn_args if app == SERVICE_APP else ""
        self.server = start_server(self.env, self.workdir, kind, workers, threads, app, extra)
        return self.server

    def stop(self) -> None:
        stop_server(self.server)
        self.server = None

    def load(self, mode: str, seconds: float, prefix: str, emails: Path | None = None) -> Phase:
        """One phase of HTTP load on the running server, with the CPU and rows it cost."""
        assert self.server is not None and self.generator is not None
        load = Load(
            port=self.server.port,
            key=self.key,
            mode=mode,
            prefix=prefix,
            seconds=seconds,
            concurrency=self.options.concurrency,
            emails_file=emails,
        )
        rows_before = table_counts(self.url, WRITTEN_TABLES)
        children = children_cpu_seconds()
        before = cpu_snapshot(self.url)
        phase, client_pids = self.generator.run(load)
        after = cpu_snapshot(self.url)
        # wrk's own window is its -d; the snapshot window adds process start/stop (~ms).
        phase.cpu = cpu_usage(
            before,
            after,
            self.server.process.pid,
            client_pids,
            self.db,
            children_cpu_seconds() - children,
        )
        rows_after = table_counts(self.url, WRITTEN_TABLES)
        phase.rows = {k: rows_after[k] - rows_before[k] for k in rows_after}
        return phase

    def first_time_writes(self, name: str, prefix: str, warmup: float | None = None) -> Phase:
        """Warm-up, then `--seconds` of first-time writes, kept in `phases` as `name`."""
        self.load("first", self.options.warmup if warmup is None else warmup, f"warm{prefix}")
        log(f"{name}, {self.options.seconds:.0f} s")
        phase = self.load("first", self.options.seconds, prefix)
        phase.name = name
        self.phases.append(phase)
        return phase

    def raw(self, name: str, rows: int = 1, async_commit: bool = False) -> Phase:
        """The raw psycopg baseline from as many connections as the HTTP load uses."""
        log(f"{name}, {self.options.seconds:.0f} s")
        phase = run_raw(
            self.url,
            self.options.concurrency,
            self.options.client_processes,
            self.options.seconds,
            rows=rows,
            async_commit=async_commit,
        )
        phase.name = name
        self.phases.append(phase)
        return phase

    def dump_emails(self, limit: int) -> Path:
        """Addresses written so far (not the raw baseline's), for repeat writes."""
        path = self.workdir / "emails.txt"
        with psycopg.connect(self.url) as conn:
            rows = conn.execute(
                "SELECT email FROM subjects WHERE email NOT LIKE 'raw-%%' "
                "ORDER BY random() LIMIT %s",
                (limit,),
            ).fetchall()
        path.write_text("\n".join(r[0] for r in rows) + "\n")
        return path

    def teardown(self) -> None:
        self.stop()
        end_spawned()
        if self.database_created and not self.options.keep_db:
            try:
                drop_database(self.options.admin_url, self.db)
                log(f"dropped database {self.db}")
            except psycopg.Error as error:
                log(f"could not drop database {self.db}: {error}")
        if not self.options.keep_files:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def header(self, title: str, server: bool = True, raw: bool = True) -> list[str]:
        """What was measured, on what: the first lines of every report."""
        options = self.options
        lines = [
            "",
            title,
            f"machine:   {describe_machine()}",
            f"database:  {describe_postgres(options.admin_url)}",
        ]
        if server:
            shape = describe_shape(options.worker_class, options.workers, options.threads)
            assert self.generator is not None
            lines.append(
                f"server:    gunicorn {shape} {options.gunicorn_args}".rstrip()
                + f"; load: {self.generator.describe()}"
            )
        if raw:
            lines.append(
                f"raw:       psycopg {psycopg.__version__}, {options.concurrency} connections "
                f"in {options.client_processes} processes; BEGIN, 4 INSERT, COMMIT per "
                "transaction"
            )
        return [*lines, ""]

    def footer(self) -> list[str]:
        return [
            "",
            f"run time {time.monotonic() - self.started:.0f} s; database {self.db} "
            + ("kept (--keep-db)" if self.options.keep_db else "is dropped next"),
        ]

    def write_json(self, **figures: Any) -> None:
        """The run's phases and figures, when `--json FILE` was given."""
        write_json(
            self.options.json,
            {
                "machine": describe_machine(),
                "database": describe_postgres(self.options.admin_url),
                "concurrency": getattr(self.options, "concurrency", None),
                "phases": [p.as_dict() for p in self.phases],
                **figures,
            },
        )


def run(
    options: argparse.Namespace,
    budget: float,
    measure: Callable[[WriteBench], None],
    with_load: bool = True,
) -> int:
    """Set up, `measure` (which prints its report), tear down; the process's exit status.

    `budget` bounds the whole run unless `--time-limit` is given."""
    bench = WriteBench.named(options)
    try:
        with time_limit(options.time_limit or budget):
            bench.setup(with_load)
            measure(bench)
        return 0
    except BenchTimeout as error:
        log(f"aborted: {error}")
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    except (BenchError, psycopg.Error, OSError, subprocess.SubprocessError) as error:
        log(f"failed: {type(error).__name__}: {error}")
        return 1
    finally:
        bench.teardown()

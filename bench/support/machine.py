"""Machine load from /proc: who used the cores during a phase, and what the machine is.

A benchmark on a shared machine is only as good as its neighbours are quiet, so every phase
attributes the CPU it saw: `server` (gunicorn and its workers), `db` (this database's
backends and PostgreSQL's own processes), `client` (the load generator or writer), `other`
(every other process: someone else's tests) and `kernel` (irq, softirq and kernel threads:
loopback TCP, disk flushes).
"""

from __future__ import annotations

import collections
import contextlib
import os
import platform
import resource
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

HZ = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1
CPU_CLASSES = ("server", "db", "client", "other", "kernel")
KTHREADD = 2


@dataclass
class CpuSnapshot:
    at: float
    process_time: int  # jiffies in user, nice and system mode, all CPUs
    interrupts: int  # jiffies in irq + softirq (loopback networking lands here), all CPUs
    steal: int  # jiffies the hypervisor gave to other guests
    iowait: int  # idle jiffies with I/O outstanding: a sign of disk contention
    procs: dict[tuple[int, int], tuple[int, int, str]]  # (pid, start) -> (ticks, ppid, comm)
    databases: dict[int, str | None]  # PostgreSQL pid -> database (None: not a client backend)


def _pg_databases(url: str | None) -> dict[int, str | None]:
    """Which database each PostgreSQL process serves. Asked of the server rather than read
    from process titles: PostgreSQL rewrites those in place, and /proc reads race with it."""
    if url is None:
        return {}
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            return dict(conn.execute("SELECT pid, datname FROM pg_stat_activity").fetchall())
    except psycopg.Error:
        return {}


def cpu_snapshot(pg_url: str | None = None) -> CpuSnapshot:
    """CPU ticks of every process and of the whole machine, now."""
    databases = _pg_databases(pg_url)
    procs: dict[tuple[int, int], tuple[int, int, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        comm = stat[stat.find("(") + 1 : stat.rfind(")")]
        rest = stat[stat.rfind(")") + 2 :].split()
        ticks = int(rest[11]) + int(rest[12])
        procs[(int(entry), int(rest[19]))] = (ticks, int(rest[1]), comm)
    with open("/proc/stat") as handle:
        user, nice, system, _idle, iowait, irq, softirq, steal = (
            int(v) for v in handle.readline().split()[1:9]
        )
    return CpuSnapshot(
        time.monotonic(), user + nice + system, irq + softirq, steal, iowait, procs, databases
    )


def cpu_usage(
    before: CpuSnapshot,
    after: CpuSnapshot,
    server_pid: int | None,
    client_pids: set[int],
    db: str,
    reaped_client_seconds: float = 0.0,
) -> dict[str, float]:
    """Average cores busy per class between two snapshots (see the module's docstring).

    A client that exited before `after` is missing from it; pass its CPU time (from
    RUSAGE_CHILDREN, `children_cpu_seconds`) as reaped_client_seconds."""
    seconds = after.at - before.at
    databases = {**before.databases, **after.databases}
    used: collections.Counter[str] = collections.Counter()
    used["client"] += round(reaped_client_seconds * HZ)
    for key, (ticks, ppid, comm) in after.procs.items():
        earlier = before.procs.get(key)
        delta = ticks - (earlier[0] if earlier else 0)
        if delta <= 0:
            continue
        pid = key[0]
        if server_pid is not None and server_pid in (pid, ppid):
            used["server"] += delta
        elif pid in client_pids or ppid in client_pids:
            used["client"] += delta
        elif KTHREADD in (pid, ppid):
            used["kernel"] += delta
        elif comm == "postgres":
            # another database's backend, or one that came and went between the snapshots
            # (pytest's, typically), is someone else's load
            used["db" if databases.get(pid, "?") in (None, db) else "other"] += delta
        else:
            used["other"] += delta
    attributed = sum(used[k] for k in CPU_CLASSES)
    used["other"] += max(0, after.process_time - before.process_time - attributed)
    used["kernel"] += after.interrupts - before.interrupts
    result = {k: used[k] / HZ / seconds for k in CPU_CLASSES}
    result["steal"] = (after.steal - before.steal) / HZ / seconds
    result["iowait"] = (after.iowait - before.iowait) / HZ / seconds
    return result


def children_cpu_seconds() -> float:
    """CPU seconds of this process's children that have exited and been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class BackendSampler(threading.Thread):
    """CPU ticks of one database's backends, read every 50 ms while a phase runs.

    A backend exits with its client, before the phase's closing snapshot could read it; its
    last sample is what it used (at most 50 ms is missed).
    """

    def __init__(self, admin_url: str, db: str) -> None:
        super().__init__(daemon=True)
        self.admin_url, self.db = admin_url, db
        self.seen: dict[tuple[int, int], int] = {}
        self.done = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            while not self.done.is_set():
                query = "SELECT pid FROM pg_stat_activity WHERE datname = %s"
                for (pid,) in conn.execute(query, (self.db,)).fetchall():
                    try:
                        with open(f"/proc/{pid}/stat") as handle:
                            rest = handle.read().rpartition(")")[2].split()
                    except OSError:
                        continue
                    self.seen[(pid, int(rest[19]))] = int(rest[11]) + int(rest[12])
                self.done.wait(0.05)

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=5)

    def gone_cores(self, before: CpuSnapshot, after: CpuSnapshot) -> float:
        """Cores used by the backends that exited before `after` was taken."""
        gone = sum(
            ticks - before.procs.get(key, (0,))[0]
            for key, ticks in self.seen.items()
            if key not in after.procs
        )
        return gone / HZ / (after.at - before.at)


def peak_rss_mb(pid: int) -> float:
    """A live process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def describe_machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(OSError), open("/proc/meminfo") as handle:
        mem = int(handle.readline().split()[1]) // (1024 * 1024)
    return f"{CORES} cores ({model}), {mem} GiB, {platform.system()} {platform.release()}"


def describe_postgres(url: str) -> str:
    """The server's version and the settings that decide what a commit costs."""
    with contextlib.suppress(psycopg.Error), psycopg.connect(url, connect_timeout=5) as conn:
        version = _show(conn, "server_version")
        settings = {
            name: _show(conn, name)
            for name in ("synchronous_commit", "fsync", "shared_buffers", "wal_sync_method")
        }
        return f"PostgreSQL {version} " + ", ".join(f"{k}={v}" for k, v in settings.items())
    return "PostgreSQL (unknown)"


def _show(conn: psycopg.Connection, name: str) -> str:
    """A server setting; `SHOW` always answers one row."""
    row = conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
    assert row is not None
    return str(row[0])

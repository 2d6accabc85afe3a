"""The "physical limit" of a consent write: what one must at least do, as plain psycopg.

`BEGIN; INSERT subjects; INSERT consents; INSERT consent_ledger; INSERT outbox; COMMIT` on
the migrated tables, one row each, or (rows=3) the same 4 INSERTs writing the 10 rows of a
first-time write of the issue's form: 1 subject, 3 consents, 3 ledger, 3 outbox rows.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from array import array
from datetime import UTC, datetime
from typing import Any

import psycopg

from support.load import POLICY_VERSION
from support.machine import cpu_snapshot, cpu_usage
from support.phases import Phase
from support.processes import collect, shares, spawn
from support.timing import percentiles

RAW_NAME = "raw psycopg 4 INSERT + COMMIT"
SAME_ROWS_NAME = "raw, same 10 rows as HTTP first"

RAW_SUBJECT = (
    "INSERT INTO subjects (id, email, email_key, locale, version, created_at, updated_at) "
    "VALUES (%s, %s, %s, 'ky', 1, %s, %s)"
)
RAW_CONSENT = (
    "INSERT INTO consents (subject_id, purpose, status, policy_version, source, version, "
    "updated_at) VALUES (%s, 'personalization', 'granted', '2026-11-01', 'registration', 1, %s)"
)
RAW_LEDGER = (
    "INSERT INTO consent_ledger (subject_id, seq, kind, purpose, previous_status, status, "
    "source, actor, policy_version, recorded_at, evidence, evidence_nonce, evidence_digest, "
    "prev_hash, hash) VALUES (%s, 1, 'consent', 'personalization', NULL, 'granted', "
    "'registration', 'benchkey0001', '2026-11-01', %s, NULL, %s, %s, %s, %s)"
)
RAW_OUTBOX = (
    "INSERT INTO outbox (message_id, subject_id, routing_key, payload, created_at) "
    "VALUES (%s, %s, 'consent.personalization.granted', %s::json, %s)"
)

RAW_PURPOSES = ("newsletters", "personalization", "promotions")
RAW_CONSENTS_3 = (
    "INSERT INTO consents (subject_id, purpose, status, policy_version, source, version, "
    "updated_at) VALUES "
    "(%s, %s, 'granted', '2026-11-01', 'registration', 1, %s), "
    "(%s, %s, 'granted', '2026-11-01', 'registration', 1, %s), "
    "(%s, %s, 'granted', '2026-11-01', 'registration', 1, %s)"
)
RAW_LEDGER_3 = (
    "INSERT INTO consent_ledger (subject_id, seq, kind, purpose, previous_status, status, "
    "source, actor, policy_version, recorded_at, evidence, evidence_nonce, evidence_digest, "
    "prev_hash, hash) VALUES "
    "(%s, %s, 'consent', %s, NULL, 'granted', 'registration', 'benchkey0001', '2026-11-01', "
    "%s, NULL, %s, %s, %s, %s), "
    "(%s, %s, 'consent', %s, NULL, 'granted', 'registration', 'benchkey0001', '2026-11-01', "
    "%s, NULL, %s, %s, %s, %s), "
    "(%s, %s, 'consent', %s, NULL, 'granted', 'registration', 'benchkey0001', '2026-11-01', "
    "%s, NULL, %s, %s, %s, %s)"
)
RAW_OUTBOX_3 = (
    "INSERT INTO outbox (message_id, subject_id, routing_key, payload, created_at) VALUES "
    "(%s, %s, 'consent.x.granted', %s::json, %s), "
    "(%s, %s, 'consent.x.granted', %s::json, %s), "
    "(%s, %s, 'consent.x.granted', %s::json, %s)"
)


def _raw_payload(subject: uuid.UUID, purpose: str) -> str:
    return json.dumps(
        {
            "schema": "consent.changed/1",
            "message_id": str(uuid.uuid4()),
            "occurred_at": "2026-11-25T08:00:00.000000Z",
            "subject_id": str(subject),
            "version": 1,
            "email": "someone@example.kg",
            "locale": "ky",
            "purpose": purpose,
            "status": "granted",
            "previous_status": None,
            "source": "registration",
            "policy_version": POLICY_VERSION,
        }
    )


def raw_transaction(cur: psycopg.Cursor[Any], rows: int, email: str = "") -> uuid.UUID:
    """One transaction's 4 INSERTs (see the module's docstring); the new subject's id."""
    subject, now = uuid.uuid4(), datetime.now(UTC)
    email = email or f"raw-{subject.hex}@example.kg"
    cur.execute(RAW_SUBJECT, (subject, email, email, now, now))
    if rows == 1:
        cur.execute(RAW_CONSENT, (subject, now))
        hashes = [os.urandom(16).hex(), *(os.urandom(32).hex() for _ in range(3))]
        cur.execute(RAW_LEDGER, (subject, now, *hashes))
        cur.execute(RAW_OUTBOX, (uuid.uuid4(), subject, _raw_payload(subject, "x"), now))
        return subject
    cur.execute(RAW_CONSENTS_3, [v for p in RAW_PURPOSES for v in (subject, p, now)])
    ledger = []
    for seq, purpose in enumerate(RAW_PURPOSES, 1):
        ledger += [subject, seq, purpose, now, os.urandom(16).hex()]
        ledger += [os.urandom(32).hex() for _ in range(3)]
    cur.execute(RAW_LEDGER_3, ledger)
    outbox = []
    for purpose in RAW_PURPOSES:
        outbox += [uuid.uuid4(), subject, _raw_payload(subject, purpose), now]
    cur.execute(RAW_OUTBOX_3, outbox)
    return subject


def _raw_client(
    url: str,
    conns: int,
    start_at: float,
    warm: float,
    seconds: float,
    variant: tuple[int, bool],
    out: Any,
) -> None:
    rows, async_commit = variant
    lock = threading.Lock()
    latencies = array("d")
    failures = [0]

    def loop() -> None:
        local = array("d")
        with psycopg.connect(url, connect_timeout=10) as conn:
            if async_commit:
                conn.execute("SET synchronous_commit = off")
                conn.commit()
            measure_from, end_at = start_at + warm, start_at + warm + seconds
            while time.time() < start_at:
                time.sleep(0.001)
            while True:
                started = time.time()
                if started >= end_at:
                    break
                try:
                    with conn.cursor() as cur:
                        raw_transaction(cur, rows)
                    conn.commit()
                except psycopg.Error:
                    conn.rollback()
                    failures[0] += 1
                    continue
                finished = time.time()
                if started >= measure_from and finished <= end_at:
                    local.append((finished - started) * 1000)
            # Stay connected a moment: the parent reads the backends' CPU time at end_at.
            time.sleep(max(0.0, end_at + 1.5 - time.time()))
        with lock:
            latencies.extend(local)

    workers = [threading.Thread(target=loop) for _ in range(conns)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((latencies.tobytes(), failures[0]))


def run_raw(
    url: str,
    concurrency: int,
    processes: int,
    seconds: float,
    rows: int = 1,
    async_commit: bool = False,
) -> Phase:
    """`concurrency` connections in `processes` processes looping the raw transaction; 2 s
    of warm-up, then `seconds` measured, CPU included. The phase is still to be named."""
    processes = max(1, min(processes, concurrency))
    warm = 2.0
    start_at = time.time() + 2.0
    queue, procs = spawn(
        _raw_client,
        [
            (url, conns, start_at, warm, seconds, (rows, async_commit))
            for conns in shares(concurrency, processes)
        ],
    )
    # The CPU window covers the measured part only.
    time.sleep(max(0.0, start_at + warm - time.time()))
    before = cpu_snapshot(url)
    time.sleep(max(0.0, start_at + warm + seconds - time.time()))
    after = cpu_snapshot(url)
    latencies, failures = array("d"), 0
    for raw, failed in collect(queue, procs, seconds + warm + 60):
        chunk = array("d")
        chunk.frombytes(raw)
        latencies.extend(chunk)
        failures += failed
    pids = {p.pid for p in procs if p.pid is not None}
    phase = Phase(
        name="",
        requests=len(latencies) + failures,
        seconds=seconds,
        latencies_ms=percentiles(latencies),
        statuses={"commit": len(latencies)},
        errors=failures,
    )
    phase.cpu = cpu_usage(before, after, None, pids | {os.getpid()}, url.rpartition("/")[2])
    return phase

"""Campaign benchmark: emails/s handed to a fake SendGrid, and the mailer's peak memory.

For each size (default 100,000 and 1,000,000 recipients) it seeds the registry and the
mailer's view straight in PostgreSQL (generated in SQL, so seeding costs seconds), starts the
real processes (gunicorn registry, `consent relay`, one `mailer work` with the SendGrid
backend and the send-time check against the registry), creates a campaign through the API,
starts a run and waits for the mailer to finish it. Printed next to each figure:

- the **raw rate**: the official `sendgrid` client posting request bodies of the same shape
  (1000 personalizations, built by the mailer's own composer and backend) to the same fake
  server, back to back, in this process: the most any sender gets from this machine's
  HTTP path and fake;
- the mailer's **peak RSS** (VmHWM from /proc) over the run.

Needs PostgreSQL at 127.0.0.1:5432 (trust) and RabbitMQ at 127.0.0.1:5672 (guest), both as on
the development machines. Creates its own databases and vhost and removes them.

    .venv/bin/python bench/campaign.py [--sizes 100000 1000000] [--json FILE]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sendgrid import SendGridAPIClient

from consent_service.adapters import schema
from consent_service.config import database_url
from mailer.adapters import schema as mailer_schema
from mailer.adapters.email.sendgrid import SendGridBackend
from mailer.domain.outgoing import Person
from mailer.services.compose import CampaignComposer
from plumbing.shop import shop_from_env
from plumbing.tokens import LinkSigner

from support.databases import Resources, scalar
from support.machine import peak_rss_mb
from support.processes import REPO, start_module, stop_all, wait_for
from support.report import write_json
from support.service import call, create_api_key, start_server, stop_server

API_KEY = "SG.bench"
SECRET = "bench-secret"
CONTENT = {
    locale: {
        "subject": f"Weekly news ({locale})",
        "html": "<h1>News</h1><p>Hello {{ name }}</p>"
        "<p><a href='{{ unsubscribe_url }}'>unsubscribe</a> "
        "<a href='{{ preferences_url }}'>preferences</a></p>",
        "text": "News. Hello {{ name }}\nUnsubscribe: {{ unsubscribe_url }}\n"
        "Preferences: {{ preferences_url }}\n",
    }
    for locale in ("ky", "ru", "en")
}


def seed(registry_url: str, mailer_url: str, size: int) -> None:
    """`size` people granted newsletters in both parts, the same ids and version 1."""
    ident = "md5('bench' || n)::uuid"
    email = "'reader' || n || '@example.kg'"
    locale = "(ARRAY['ky','ru','en'])[n % 3 + 1]"
    series = f"FROM generate_series(1, {size}) AS n"
    with psycopg.connect(registry_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO subjects (id, email, email_key, locale, version, email_confirmed_at,"
            " created_at, updated_at) "
            f"SELECT {ident}, {email}, {email}, {locale}, 1, now(), now(), now() {series}"
        )
        conn.execute(
            "INSERT INTO consents (subject_id, purpose, status, policy_version, source,"
            " version, updated_at) "
            f"SELECT {ident}, 'newsletters', 'granted', '2026-11-01', 'import', 1, now() {series}"
        )
        conn.execute("ANALYZE")
    with psycopg.connect(mailer_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO recipients (subject_id, email, locale, name, version, contact_version,"
            " updated_at) "
            f"SELECT {ident}, {email}, {locale}, 'Reader ' || n, 1, 1, now() {series}"
        )
        conn.execute(
            "INSERT INTO recipient_consents (subject_id, purpose, status, version) "
            f"SELECT {ident}, 'newsletters', 'granted', 1 {series}"
        )
        conn.execute("ANALYZE")


def raw_rate(fake_url: str, seconds: float = 10.0) -> float:
    """Personalizations/s the official client gets posting full requests back to back."""
    composer = CampaignComposer(
        CONTENT,
        "ky",
        "newsletters",
        uuid.uuid4(),
        uuid.uuid4(),
        LinkSigner(SECRET),
        fake_url,
        shop_from_env({}),
    )
    people = [Person(uuid.uuid4(), f"raw{n}@example.kg", "ky", f"Reader {n}") for n in range(1000)]
    (outgoing,) = composer.compose(people)
    backend = SendGridBackend(API_KEY, "news@example.kg", host=fake_url)
    body = backend.request_body(outgoing, outgoing.envelopes)
    client = SendGridAPIClient(API_KEY, host=fake_url)
    posted, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        response = client.client.mail.send.post(request_body=body)
        assert response.status_code == 202, response.status_code
        posted += len(body["personalizations"])
    return posted / (time.perf_counter() - started)


def run_size(size: int, resources: Resources, fake_url: str, work: Path) -> dict:
    registry_url, mailer_url, broker = (
        resources.database(),
        resources.database(),
        resources.broker(),
    )
    schema.upgrade(database_url(registry_url))
    mailer_schema.upgrade(database_url(mailer_url))
    started = time.perf_counter()
    seed(registry_url, mailer_url, size)
    seeding = time.perf_counter() - started
    environ = {
        "CONSENT_INSTANCE_DIR": str(work / str(size)),
        "CONSENT_DATABASE_URL": registry_url,
        "MAILER_DATABASE_URL": mailer_url,
        "BROKER_URL": broker,
        "CONSENT_SECRET_KEY": SECRET,
        "PUBLIC_BASE_URL": "https://shop.example.kg",
        "MAILER_EMAIL_BACKEND": "sendgrid",
        "SENDGRID_API_KEY": API_KEY,
        "SENDGRID_HOST": fake_url,
        "MAILER_FROM": "news@example.kg",
        "MAILER_CATCHUP_INTERVAL": "86400",
    }
    key = create_api_key(
        os.environ | environ, "sync:read", "campaigns:write", "campaigns:send", "campaigns:read"
    )
    logs = work / f"logs-{size}"
    logs.mkdir()
    server = start_server(os.environ | environ, logs, workers=2)
    base = server.base
    environ |= {"MAILER_REGISTRY_URL": base, "MAILER_REGISTRY_KEY": key}
    processes = []
    try:
        processes.append(start_module(["consent_service", "relay"], environ, logs / "relay.log"))
        mailer = start_module(["mailer", "work"], environ, logs / "mailer.log")
        processes.append(mailer)
        # The view is seeded; the first catch-up (its outcome does not matter here) comes first.
        wait_for(lambda: "catchup_" in (logs / "mailer.log").read_text(), 600, "catch-up")
        campaign = call(
            base,
            key,
            "POST",
            "/v1/campaigns",
            {
                "name": f"bench {size}",
                "purpose": "newsletters",
                "content": CONTENT,
                "schedule": {"at": "2030-01-07T09:00:00+06:00"},
            },
        )
        requested = datetime.now(UTC)
        run_id = call(base, key, "POST", f"/v1/campaigns/{campaign['id']}/runs")["run_id"]
        finished = (
            f"SELECT count(*) FROM mailer_runs WHERE run_id = '{run_id}' AND status = 'completed'"
        )
        wait_for(lambda: scalar(mailer_url, finished) == 1, 1800, "the run", interval=1)
        peak = peak_rss_mb(mailer.pid)
        with psycopg.connect(mailer_url) as conn:
            row = conn.execute(
                "SELECT recipients, sent, started_at, finished_at, created_at"
                " FROM mailer_runs WHERE run_id = %s",
                (run_id,),
            ).fetchone()
    finally:
        stop_server(server)
        stop_all(processes, timeout=60)
    assert row is not None  # the run was found completed just before
    recipients, sent, run_started, run_finished, _ = row
    sending = (run_finished - run_started).total_seconds()
    end_to_end = (run_finished - requested).total_seconds()
    return {
        "recipients": recipients,
        "sent": sent,
        "seed_s": round(seeding, 1),
        "run_s": round(end_to_end, 1),
        "emails_per_s": round(sent / end_to_end),
        "sending_phase_emails_per_s": round(sent / sending),
        "mailer_peak_rss_mb": round(peak, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-campaign-"))
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_sendgrid", "--counts-only", "--api-key", API_KEY],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    resources = Resources()
    results: dict = {}
    assert fake.stdout is not None  # a pipe, asked for above
    try:
        fake_url = fake.stdout.readline().strip()
        results["raw_sendgrid_client_emails_per_s"] = round(raw_rate(fake_url))
        for size in options.sizes:
            results[str(size)] = run_size(size, resources, fake_url, work)
            print(json.dumps({str(size): results[str(size)]}), flush=True)
    finally:
        stop_all([fake])
        resources.close()
        shutil.rmtree(work, ignore_errors=True)
    raw = results["raw_sendgrid_client_emails_per_s"]
    print(f"raw: official client posting 1000-personalization bodies to the fake: {raw}/s")
    for size in options.sizes:
        figures = results[str(size)]
        print(
            f"{size:>9} recipients: {figures['emails_per_s']}/s end to end "
            f"({figures['emails_per_s'] / raw:.2f} of raw), run {figures['run_s']} s, "
            f"peak RSS {figures['mailer_peak_rss_mb']} MB"
        )
    write_json(options.json, results)


if __name__ == "__main__":
    main()

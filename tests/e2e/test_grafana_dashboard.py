"""Every query of the Grafana dashboard (deploy/grafana/consent-service.json) names only
metrics the code exports: read from a real scrape of the registry's `/metrics` and of a
running `mailer work`'s MAILER_METRICS_PORT, with Prometheus' naming rules for the samples
of each metric type (a counter's `_total`, a histogram's `_bucket`, `_count` and `_sum`)."""

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import consent_body
from tests.metrics import fetch
from tests.processes import ROOT, free_port, start, stop, wait_for_http

DASHBOARD = ROOT / "deploy" / "grafana" / "consent-service.json"

SAMPLES_OF_TYPE = {
    "counter": ("_total",),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum"),
    "summary": ("", "_count", "_sum"),
}
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right",
    "and", "or", "unless", "offset", "bool", "inf", "nan",
}  # fmt: skip


def queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects: what is left once strings, label
    matchers, ranges, groupings, function calls and keywords are taken out."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    expr = re.sub(r"\boffset\s+[-\w$]+", "", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring)\s*\([^)]*\)", "", expr)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        followed = expr[match.end() :].lstrip()
        if followed.startswith("(") or match[0].lower() in PROMQL_WORDS:
            continue
        names.add(match[0])
    return names


def exported(text: str) -> set[str]:
    """Every sample name a scrape's metrics may have, by their types."""
    return {
        family.name + suffix
        for family in text_string_to_metric_families(text)
        for suffix in SAMPLES_OF_TYPE[family.type]
    }


def test_the_name_reader_finds_names_not_functions_labels_or_ranges() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le, backend) (rate(a_bucket{backend="smtp"}'
        "[$__rate_interval]))) / ignoring(x) b_total offset 5m"
    )
    assert metric_names(expr) == {"a_bucket", "b_total"}


def test_a_histogram_exports_its_buckets_count_and_sum_but_not_its_bare_name() -> None:
    text = '# TYPE h histogram\nh_bucket{le="+Inf"} 0\nh_count 0\nh_sum 0\n'
    assert exported(text) == {"h_bucket", "h_count", "h_sum"}


@pytest.fixture
def mailer_metrics(tmp_path: Path) -> Iterator[str]:
    """A `mailer work` on its embedded defaults, serving its metrics; their text."""
    port = free_port()
    env = os.environ | {
        "CONSENT_INSTANCE_DIR": str(tmp_path / "instance"),
        "MAILER_DATABASE_URL": "",
        "BROKER_URL": "",
        "MAILER_REGISTRY_KEY": "",
        "MAILER_METRICS_PORT": str(port),
    }
    with (tmp_path / "mailer.log").open("w") as log:
        worker = start(
            [sys.executable, "-m", "mailer", "work"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        wait_for_http(url, timeout=60)
        yield fetch(url)
    finally:
        stop(worker)


def test_every_dashboard_query_names_an_exported_metric(
    client, writer, mailer_metrics: str
) -> None:
    client.post("/v1/consents", json=consent_body(purposes={"newsletters": True}), headers=writer)
    registry = client.get("/metrics").get_data(as_text=True)
    names = exported(registry) | exported(mailer_metrics)
    unknown = {expr: metric_names(expr) - names for expr in queries()}
    assert {expr: missing for expr, missing in unknown.items() if missing} == {}


def test_the_dashboard_has_the_panels_operators_need() -> None:
    used = set().union(*(metric_names(expr) for expr in queries()))
    assert {
        "consent_changes_total",
        "consent_outbox_unsent_messages",
        "consent_outbox_oldest_unsent_age_seconds",
        "consent_relay_published_messages_total",
        "mailer_events_applied_total",
        "mailer_propagation_seconds_bucket",
        "mailer_campaign_emails_total",
        "mailer_backend_call_seconds_bucket",
        "mailer_check_to_handoff_seconds_bucket",
    } <= used

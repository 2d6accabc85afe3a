"""What every process that serves Prometheus metrics shares: reading its port setting, and
serving a registry of metrics on that port in a thread of its own.

Processes without HTTP of their own (`mailer work`, `consent relay`) serve their metrics
this way; the registry's API serves them on `/metrics` (docs/decisions/0040-metrics.md).
Reading a setting imports no prometheus_client: it picks its multiprocess mode once, when it
is first imported, and the settings are read before gunicorn's workers are given their
metrics folder (deploy/gunicorn.conf.py).
"""

import os
from collections.abc import Mapping
from pathlib import Path
from threading import Thread
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIServer

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

METRICS_ADDRESS = "0.0.0.0"  # noqa: S104 - scraped from other hosts (a pod's IP), like the API
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"
"""The Prometheus text format every Prometheus reads; nothing here needs OpenMetrics."""


MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess_dir(env: Mapping[str, str] = os.environ) -> None:
    """Create PROMETHEUS_MULTIPROC_DIR if it is set but missing: with it set, prometheus_client
    writes each process's values to a file there from the first metric on, and a process
    given the setting by mistake (a shared ConfigMap) would otherwise fail at start."""
    folder = env.get(MULTIPROCESS_DIR)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)


class MetricsPortError(ValueError):
    """The port setting is not a port number."""


def metrics_port(env: Mapping[str, str], name: str) -> int | None:
    """The port named by setting `name`; None (no metrics served) when it is unset or empty."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 65535:
        raise MetricsPortError(f"{name} must be a port number (1 to 65535), or unset.")
    return int(raw)


def serve_metrics(port: int, registry: "CollectorRegistry") -> tuple[WSGIServer, Thread]:
    """Serve `registry` at http://0.0.0.0:`port`/metrics from a daemon thread until exit."""
    from prometheus_client import start_http_server  # see the module docstring

    return start_http_server(port, addr=METRICS_ADDRESS, registry=registry)

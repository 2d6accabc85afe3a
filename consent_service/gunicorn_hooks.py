"""What deploy/gunicorn.conf.py plugs into gunicorn: a masking access log, problem answers.

gunicorn formats its access log lines itself, from atoms such as the request line (`%(r)s`),
the path (`%(U)s`), the query (`%(q)s`) and the Referer (`%(f)s`), all of which may carry a
link token or an address. `MaskingLogger` masks every atom, so that no access log format and
no log configuration can write them in clear (the JSON formatter masks the line again).

gunicorn answers a request it cannot parse (request line too long: 414, header fields too
large: 431, malformed: 400) before the application sees it, with an HTML page of its own,
written by `gunicorn.util.write_error` from the worker's `handle_error`. gunicorn offers no
setting for that body, so each worker replaces that one function with one writing an RFC 9457
problem document with the headers of every API answer.

Each worker is a process with counters of its own; the metrics of `/metrics` are summed over
all of them through prometheus_client's multiprocess files (docs/decisions/0040-metrics.md).
`metrics_dir` gives the workers an empty folder for them before any worker starts (files of
an earlier run would be counted again), and `forget_worker` is the `child_exit` hook.
prometheus_client chooses its multiprocess mode when it is first imported, so this module
imports it only inside the hooks, after the folder is in the environment.

A sync worker reports that it is alive only between requests; the same hook hands its report
to the streamed answers, which call it while a long download goes on (faces/streams.py).
"""

import json
import os
import socket
import tempfile
from collections.abc import MutableMapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from gunicorn import glogging, util

from consent_service.api.headers import API_HEADERS
from consent_service.faces.problems import Problem
from consent_service.faces.streams import keep_alive_with
from plumbing.logs import mask
from plumbing.metrics import MULTIPROCESS_DIR

if TYPE_CHECKING:
    from gunicorn.glogging import _AtomsDict


class MaskingLogger(glogging.Logger):
    def atoms(
        self, resp: Any, req: Any, environ: MutableMapping[str, Any], request_time: timedelta
    ) -> "_AtomsDict":
        found = super().atoms(resp, req, environ, request_time)
        masked = {
            name: mask(value) if isinstance(value, str) else value for name, value in found.items()
        }
        return cast("_AtomsDict", masked)  # gunicorn's atoms, each string masked


def write_problem(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """`gunicorn.util.write_error`'s signature, answering application/problem+json."""
    document = Problem(status_int, reason, mesg or reason).document()
    body = json.dumps(document).encode()
    head = [
        f"HTTP/1.1 {status_int} {reason}",
        "Connection: close",
        "Content-Type: application/problem+json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in API_HEADERS.items()),
    ]
    util.write_nonblock(sock, ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


def answer_errors_as_problems(_server: Any, worker: Any) -> None:
    """The `post_fork` hook: this worker's own error answers become problem documents, and a
    long streamed answer (a report) tells the arbiter the worker is alive (faces/streams.py)."""
    util.write_error = write_problem
    keep_alive_with(worker.notify)


def metrics_dir(environ: MutableMapping[str, str]) -> str:
    """The workers' metrics folder, emptied: PROMETHEUS_MULTIPROC_DIR when set (created if
    missing), else a fresh one in the temporary folder; written back to `environ`, which the
    workers inherit."""
    given = environ.get(MULTIPROCESS_DIR)
    if not given:
        given = tempfile.mkdtemp(prefix="consent-metrics-")
    folder = Path(given)
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob("*.db"):
        leftover.unlink()
    environ[MULTIPROCESS_DIR] = str(folder)
    return str(folder)


def forget_worker(_server: Any, worker: Any) -> None:
    """The `child_exit` hook: a dead worker's live gauges leave the sums (its counters stay,
    so totals never go down when a worker is replaced)."""
    from prometheus_client import multiprocess  # imported late: see the module docstring

    multiprocess.mark_process_dead(worker.pid, os.environ[MULTIPROCESS_DIR])

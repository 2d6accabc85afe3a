"""A real server process whose stderr goes to a file, and what the log tests do with it.

The log is the thing under test, so it is read from the file the process writes, as an
operator would, never from a logging handler inside the test.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plumbing.tokens import LinkSigner
from tests.factories import consent_body
from tests.processes import ROOT, consent_cli
from tests.stack import wait_until


@dataclass
class Logged:
    """A process started in a session of its own, its log file, and its base URL."""

    process: subprocess.Popen[bytes]
    log: Path
    base: str

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def entries(self) -> list[dict[str, Any]]:
        """The complete JSON log lines written so far (banners share the stream)."""
        complete = self.text().rpartition("\n")[0]
        return [json.loads(line) for line in complete.splitlines() if line.startswith("{")]

    def wait_for(self, needle: str, timeout: float = 20.0) -> None:
        """Wait until a logged message contains `needle`."""

        def logged() -> bool:
            return any(needle in entry["message"] for entry in self.entries())

        assert wait_until(logged, timeout), f"{needle!r} never logged"

    def stop(self) -> None:
        """SIGTERM, and SIGKILL for the whole session if that did not end it."""
        if self.process.poll() is None:
            self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def start_logged(argv: list[str], environ: dict[str, str], log: Path, base: str) -> Logged:
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            argv,
            env=os.environ | environ,
            cwd=ROOT,
            stdout=stderr,
            stderr=stderr,
            start_new_session=True,
        )
    return Logged(process, log, base)


def python_module(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]


def request(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one request; a 4xx or 5xx is an answer, not an error."""
    sent = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(sent, timeout=20) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def new_key(environ: dict[str, str], *scopes: str) -> str:
    arguments = [argument for scope in scopes for argument in ("--scope", scope)]
    created = consent_cli(environ, "keys", "create", "--name", "log tests", *arguments)
    assert created.returncode == 0, created.stderr
    return created.stdout.split()[-1]


def signed_up(base: str, key: str, **subject: str) -> uuid.UUID:
    """A person signed up through the API; returns their subject id."""
    body = consent_body()
    body["subject"].update(subject)
    status, _, answer = request(
        f"{base}/v1/consents",
        json.dumps(body).encode(),
        {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert status == 201, answer
    return uuid.UUID(json.loads(answer)["subject_id"])


def link_tokens(secret: str, subject_id: uuid.UUID) -> dict[str, str]:
    """One real token of each kind for the subject, signed as the mailer signs them."""
    signer = LinkSigner(secret)
    return {
        "u": signer.unsubscribe_token(subject_id, "newsletters"),
        "preferences": signer.preferences_token(subject_id),
        "confirm": signer.confirm_token(subject_id),
    }


def visit_link_pages(base: str, tokens: dict[str, str]) -> None:
    """Open every link page with its token, as a person and as a mail scanner would (what
    they answer is other tests' matter; here each makes an access log line)."""
    visits = [
        (f"/u/{tokens['u']}", {}),
        (f"/u/{tokens['u']}?lang=ru", {"Referer": f"{base}/preferences/{tokens['preferences']}"}),
        (f"/u/{tokens['u']}/undo?token={tokens['u']}", {}),
        (f"/preferences/{tokens['preferences']}", {}),
        (f"/preferences/{tokens['preferences']}/delete?lang=ky", {}),
        (f"/confirm/{tokens['confirm']}", {"Referer": f"{base}/u/{tokens['u']}"}),
        (f"/confirm/{tokens['confirm']}/resend", {}),
        (f"/v1/subjects?next={tokens['preferences']}", {}),
    ]
    for path, headers in visits:
        request(base + path, headers=headers)


def secret_parts(tokens: dict[str, str]) -> list[str]:
    """What must not be in a log: each token, and each one's signature on its own."""
    return [*tokens.values(), *(token.rsplit(".", 1)[1] for token in tokens.values())]

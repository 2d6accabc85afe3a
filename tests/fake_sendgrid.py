"""A local SendGrid for tests and benchmarks: `POST /v3/mail/send`, validated as SendGrid does.

A real threaded HTTP server, so the official client talks to it over a socket exactly as it
would to api.sendgrid.com (`SENDGRID_HOST=<url>`). It checks what SendGrid checks (the
Bearer key, the limits of 1000 personalizations and recipients, required fields, the order
of the content types, reserved headers, the sizes of substitutions and custom args, unknown
fields) and answers errors in SendGrid's shape, `{"errors": [{"message", "field", "help"}]}`.
Beyond SendGrid it refuses a request that leaves click, open or subscription tracking to the
account's settings: SendGrid would take it and track our recipients, so no test may pass
with one. What it accepts it records per recipient. It can be told to answer 429 or 500, or to drop
the connection after taking a request, for the next N requests.

In a test: `from tests.fake_sendgrid import fake_sendgrid  # noqa: F401` and take the
`fake_sendgrid` fixture. As a process: `python -m tests.fake_sendgrid --port 0` prints its
URL on the first line of stdout; `POST /__control` steers it and `GET /__stats` counts.
"""

import argparse
import json
import os
import signal
import threading
import uuid
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

DEFAULT_KEY = "SG.fake-sendgrid-key"
MAX_BODY = 20 * 1024 * 1024
MAX_PERSONALIZATIONS = 1000
MAX_RECIPIENTS = 1000
MAX_SUBSTITUTION_BYTES = 10_000
MAX_CUSTOM_ARGS_BYTES = 10_000
HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"
TOP_LEVEL = frozenset(
    {
        "personalizations", "from", "reply_to", "reply_to_list", "subject", "content",
        "attachments", "template_id", "headers", "categories", "custom_args", "send_at",
        "batch_id", "asm", "ip_pool_name", "mail_settings", "tracking_settings",
    }
)  # fmt: skip
PERSONALIZATION_KEYS = frozenset(
    {"to", "cc", "bcc", "from", "subject", "headers", "substitutions",
     "dynamic_template_data", "custom_args", "send_at"}
)  # fmt: skip
RESERVED_HEADERS = frozenset(
    {"x-sg-id", "x-sg-eid", "received", "dkim-signature", "content-type",
     "content-transfer-encoding", "to", "from", "subject", "reply-to", "cc", "bcc"}
)  # fmt: skip


MESSAGES = {
    "from": (
        "The from object must be provided for every email send. It is an object that requires"
        " the email parameter, but may also contain a name parameter."
    ),
    "to": (
        "The to array is required for all personalization objects, and must have at least one"
        " email object with a valid email address."
    ),
    "address": (
        "Each email address in the personalization block should be a valid email address, "
        'e.g. {"email": "example@example.com"}.'
    ),
    "unique": (
        "Each unique email address in the personalizations array should only be included "
        "once. You have included email address more than once."
    ),
    "subject": (
        "The subject is required. You can get around this requirement if you use a template "
        "with a subject defined or if every personalization has a subject defined."
    ),
    "content": (
        "Unless a valid template_id is provided, the content parameter is required. There "
        "must be at least one defined content block. We typically suggest both text/plain and"
        " text/html blocks are included, but only one block is required."
    ),
    "order": (
        "If present, text/plain and text/html may only be provided in this order: text/plain,"
        " text/html."
    ),
}
"""SendGrid's own words for the errors these checks find (its Mail Send errors page)."""


@dataclass(frozen=True, slots=True)
class Accepted:
    """One recipient of an accepted request, with what SendGrid would send them."""

    email: str
    custom_args: dict[str, str]
    substitutions: dict[str, str]
    headers: dict[str, str]
    subject: str
    content: list[dict[str, str]]
    categories: list[str]
    message_id: str
    tracking_settings: dict[str, Any]

    def rendered(self, content_type: str) -> str:
        """A part (`text/plain`, `text/html`, or `subject`) as delivered: substitutions made."""
        if content_type == "subject":
            text = self.subject
        else:
            text = next(c["value"] for c in self.content if c["type"] == content_type)
        for tag, value in self.substitutions.items():
            text = text.replace(tag, value)
        return text


@dataclass(frozen=True)
class _Forced:
    status: int | None
    """None: take the request, then drop the connection without answering."""
    retry_after: float | None = None


class FakeSendGrid:
    """The server, started in a background thread; also a context manager."""

    def __init__(
        self,
        api_key: str = DEFAULT_KEY,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        keep: bool = True,
    ) -> None:
        self.api_key = api_key
        self.keep = keep
        self._lock = threading.Lock()
        self._forced: deque[_Forced] = deque()
        self._accepted: list[Accepted] = []
        self._rejections: list[dict[str, Any]] = []
        self._statuses: Counter[int] = Counter()
        self._recipients = 0
        self._distinct: set[int] = set()
        self._server = _Server((host, port), _Handler)
        self._server.fake = self
        # A short poll keeps `stop` (and so every test's teardown) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeSendGrid":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeSendGrid":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(self, status: int, count: int = 1, *, retry_after: float | None = None) -> None:
        """Answer `status` to the next `count` authorized requests (429 with Retry-After)."""
        with self._lock:
            self._forced.extend([_Forced(status, retry_after)] * count)

    def drop_next(self, count: int = 1) -> None:
        """Take the next `count` requests, then close the connection without an answer."""
        with self._lock:
            self._forced.extend([_Forced(None)] * count)

    def accepted(self) -> list[Accepted]:
        with self._lock:
            return list(self._accepted)

    def rejections(self) -> list[dict[str, Any]]:
        """Every error answer given: `{"status", "errors"}`, oldest first."""
        with self._lock:
            return list(self._rejections)

    def stats(self) -> dict[str, Any]:
        """Counts: requests per status, recipients accepted, and how many were repeats."""
        with self._lock:
            return {
                "requests": sum(self._statuses.values()),
                "statuses": {str(k): v for k, v in sorted(self._statuses.items())},
                "recipients": self._recipients,
                "distinct_recipients": len(self._distinct),
                "duplicates": self._recipients - len(self._distinct),
            }

    def reset(self) -> None:
        with self._lock:
            self._forced.clear()
            self._accepted.clear()
            self._rejections.clear()
            self._statuses.clear()
            self._recipients = 0
            self._distinct.clear()

    def _take(self, body: dict[str, Any]) -> str:
        """Record an accepted request; a repeat is the same address in the same run."""
        message_id = uuid.uuid4().hex
        top_args = body.get("custom_args") or {}
        top_headers = body.get("headers") or {}
        with self._lock:
            for personalization in body["personalizations"]:
                custom_args = {**top_args, **personalization.get("custom_args", {})}
                for to in personalization["to"]:
                    self._recipients += 1
                    self._distinct.add(hash((to["email"].lower(), custom_args.get("run_id"))))
                    if self.keep:
                        self._accepted.append(
                            Accepted(
                                email=to["email"],
                                custom_args=custom_args,
                                substitutions=personalization.get("substitutions", {}),
                                headers={**top_headers, **personalization.get("headers", {})},
                                subject=personalization.get("subject") or body.get("subject", ""),
                                content=body.get("content", []),
                                categories=body.get("categories", []),
                                message_id=message_id,
                                tracking_settings=body["tracking_settings"],
                            )
                        )
        return message_id

    def _count(self, status: int, errors: list[dict[str, Any]] | None = None) -> None:
        with self._lock:
            self._statuses[status] += 1
            if errors is not None:
                self._rejections.append({"status": status, "errors": errors})

    def _next_forced(self) -> _Forced | None:
        with self._lock:
            return self._forced.popleft() if self._forced else None

    def _control(self, command: dict[str, Any]) -> None:
        action = command.get("action")
        if action == "fail":
            retry_after = command.get("retry_after")
            self.fail_next(
                int(command["status"]), int(command.get("count", 1)), retry_after=retry_after
            )
        elif action == "drop":
            self.drop_next(int(command.get("count", 1)))
        elif action == "reset":
            self.reset()
        else:
            raise ValueError("action must be fail, drop or reset")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    fake: FakeSendGrid


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a benchmark makes thousands of requests."""

    def do_POST(self) -> None:
        if self.path == "/v3/mail/send":
            self._mail_send()
        elif self.path == "/__control":
            try:
                self.server.fake._control(json.loads(self._read(self._length() or 0)))
            except (ValueError, KeyError, TypeError) as error:
                self._json(400, {"error": str(error)})
                return
            self._json(200, self.server.fake.stats())
        else:
            self._json(404, _errors(_error("not found")))

    def do_GET(self) -> None:
        if self.path == "/__stats":
            self._json(200, self.server.fake.stats())
        elif self.path == "/__accepted":
            self._json(200, [asdict(a) for a in self.server.fake.accepted()])
        else:
            self._json(404, _errors(_error("not found")))

    def _mail_send(self) -> None:
        fake = self.server.fake
        length = self._length()
        if length is None:
            self._refuse(411, [_error("a Content-Length is required")])
            return
        if length > MAX_BODY:
            self._discard(length)
            self._refuse(413, [_error("content too large")])
            return
        raw = self._read(length)
        if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
            message = "The provided authorization grant is invalid, expired, or revoked"
            self._refuse(401, [_error(message)])
            return
        forced = fake._next_forced()
        if forced is not None and forced.status is not None:
            headers = (
                {"Retry-After": f"{forced.retry_after:g}"} if forced.retry_after is not None else {}
            )
            self._refuse(forced.status, [_error("forced by the test")], headers)
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._refuse(400, [_error("The request body is not valid JSON.", help=HELP)])
            return
        errors = validate(body) or tracking_errors(body)
        if errors:
            self._refuse(400, errors[:50])
            return
        message_id = fake._take(body)
        fake._count(202)
        if forced is not None:
            self.close_connection = True
            return
        self._send(202, b"", {"X-Message-Id": message_id})

    def _length(self) -> int | None:
        raw = self.headers.get("Content-Length")
        return int(raw) if raw and raw.isdigit() else None

    def _read(self, length: int) -> bytes:
        return self.rfile.read(length)

    def _discard(self, length: int) -> None:
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                break
            length -= len(chunk)

    def _refuse(
        self, status: int, errors: list[dict[str, Any]], headers: dict[str, str] | None = None
    ) -> None:
        self.server.fake._count(status, errors)
        self._json(status, _errors(*errors), headers)

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(
            status,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )

    def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _error(message: str, field: str | None = None, help: str | None = None) -> dict[str, Any]:
    return {"message": message, "field": field, "help": help}


def _errors(*errors: dict[str, Any]) -> dict[str, Any]:
    return {"errors": list(errors)}


def validate(body: Any) -> list[dict[str, Any]]:
    """What SendGrid would say is wrong with a Mail Send body; [] when it would take it."""
    if not isinstance(body, dict):
        return [_error("The request body must be a JSON object.")]
    errors = [_error("Unknown field.", key) for key in sorted(set(body) - TOP_LEVEL)]
    errors += _personalizations_errors(body.get("personalizations"))
    sender = body.get("from")
    if not isinstance(sender, dict) or not _is_address(sender.get("email")):
        message = MESSAGES["from"]
        errors.append(_error(message, "from.email", f"{HELP}#message.from"))
    templated = bool(body.get("template_id"))
    errors += _subject_errors(body, templated)
    errors += _content_errors(body.get("content"), templated)
    errors += _headers_errors(body.get("headers"), "headers")
    errors += _custom_args_errors(body.get("custom_args"), "custom_args")
    errors += _categories_errors(body.get("categories"))
    return errors


TRACKING_OFF = {
    "click_tracking": ("enable", "enable_text"),
    "open_tracking": ("enable",),
    "subscription_tracking": ("enable",),
}
"""The switches every request must turn off, so the account's settings never apply."""


def tracking_errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Ours, not SendGrid's: each tracking switch the request does not turn off."""
    settings = body.get("tracking_settings")
    settings = settings if isinstance(settings, dict) else {}
    errors = []
    for kind, switches in TRACKING_OFF.items():
        given = settings.get(kind)
        for switch in switches:
            if not isinstance(given, dict) or given.get(switch) is not False:
                field = f"tracking_settings.{kind}.{switch}"
                errors.append(
                    _error(f"{field} must be false: the account's setting would apply", field)
                )
    return errors


def _personalizations_errors(personalizations: Any) -> list[dict[str, Any]]:
    where = f"{HELP}#message.personalizations"
    if not isinstance(personalizations, list) or not personalizations:
        return [_error("You must have at least one personalization.", "personalizations", where)]
    if len(personalizations) > MAX_PERSONALIZATIONS:
        message = (
            f"The personalization block is limited to {MAX_PERSONALIZATIONS} personalizations per "
            f"API request. You have provided {len(personalizations)} personalizations. Please "
            "consider splitting this into multiple requests and resending your request."
        )
        return [_error(message, "personalizations", where)]
    errors: list[dict[str, Any]] = []
    recipients = 0
    seen: set[str] = set()
    for n, personalization in enumerate(personalizations):
        field = f"personalizations.{n}"
        if not isinstance(personalization, dict):
            errors.append(_error("A personalization must be an object.", field, where))
            continue
        errors += [
            _error("Unknown field.", f"{field}.{k}")
            for k in sorted(set(personalization) - PERSONALIZATION_KEYS)
        ]
        to = personalization.get("to")
        if not isinstance(to, list) or not to:
            message = MESSAGES["to"]
            errors.append(_error(message, f"{field}.to", f"{HELP}#message.personalizations.to"))
            to = []
        for kind in ("to", "cc", "bcc"):
            addresses = to if kind == "to" else personalization.get(kind) or []
            for m, recipient in enumerate(addresses if isinstance(addresses, list) else []):
                email = recipient.get("email") if isinstance(recipient, dict) else None
                if not _is_address(email):
                    message = MESSAGES["address"]
                    errors.append(_error(message, f"{field}.{kind}.{m}.email"))
                    continue
                recipients += 1
                if email.lower() in seen:
                    message = MESSAGES["unique"]
                    errors.append(_error(message, f"{field}.{kind}.{m}.email"))
                seen.add(email.lower())
        errors += _substitutions_errors(
            personalization.get("substitutions"), f"{field}.substitutions"
        )
        errors += _headers_errors(personalization.get("headers"), f"{field}.headers")
        errors += _custom_args_errors(personalization.get("custom_args"), f"{field}.custom_args")
    if recipients > MAX_RECIPIENTS:
        message = (
            f"There is a limit of {MAX_RECIPIENTS} total recipients (to + cc + bcc) per request."
        )
        errors.append(_error(message, "personalizations", where))
    return errors


def _subject_errors(body: dict[str, Any], templated: bool) -> list[dict[str, Any]]:
    subject = body.get("subject")
    if subject is not None and not isinstance(subject, str):
        return [_error("The subject must be a string.", "subject")]
    if subject or templated:
        return []
    personalizations = body.get("personalizations")
    if (
        isinstance(personalizations, list)
        and personalizations
        and all(
            isinstance(p, dict) and isinstance(p.get("subject"), str) and p["subject"]
            for p in personalizations
        )
    ):
        return []
    message = MESSAGES["subject"]
    return [_error(message, "subject", f"{HELP}#message.subject")]


def _content_errors(content: Any, templated: bool) -> list[dict[str, Any]]:
    where = f"{HELP}#message.content"
    if content is None and templated:
        return []
    if not isinstance(content, list) or not content:
        message = MESSAGES["content"]
        return [_error(message, "content", where)]
    errors = []
    types = []
    for n, block in enumerate(content):
        if (
            not isinstance(block, dict)
            or not isinstance(block.get("type"), str)
            or not block["type"]
        ):
            errors.append(
                _error(
                    "The content type must be a string at least one character in length.",
                    f"content.{n}.type",
                    where,
                )
            )
            continue
        value = block.get("value")
        if not isinstance(value, str) or not value:
            errors.append(
                _error(
                    "The content value must be a string at least one character in length.",
                    f"content.{n}.value",
                    where,
                )
            )
        types.append(block["type"].lower())
    plain_first = "text/plain" not in types or types.index("text/plain") == 0
    html_next = "text/html" not in types or types.index("text/html") == int("text/plain" in types)
    if not (plain_first and html_next):
        message = MESSAGES["order"]
        errors.append(_error(message, "content", where))
    return errors


def _substitutions_errors(substitutions: Any, field: str) -> list[dict[str, Any]]:
    if substitutions is None:
        return []
    if not isinstance(substitutions, dict) or not all(
        isinstance(v, str) for v in substitutions.values()
    ):
        return [_error("Substitutions must be an object of strings.", field)]
    if _size(substitutions) > MAX_SUBSTITUTION_BYTES:
        message = (
            f"The total size of your substitutions may not exceed {MAX_SUBSTITUTION_BYTES:,} "
            "bytes per personalization object."
        )
        return [_error(message, field, f"{HELP}#message.personalizations.substitutions")]
    return []


def _custom_args_errors(custom_args: Any, field: str) -> list[dict[str, Any]]:
    if custom_args is None:
        return []
    if not isinstance(custom_args, dict) or not all(
        isinstance(v, str) for v in custom_args.values()
    ):
        return [
            _error(
                "Custom args must be an object of string values.",
                field,
                f"{HELP}#message.custom_args",
            )
        ]
    if _size(custom_args) > MAX_CUSTOM_ARGS_BYTES:
        message = (
            f"The total size of your custom args may not exceed {MAX_CUSTOM_ARGS_BYTES:,} bytes."
        )
        return [_error(message, field, f"{HELP}#message.custom_args")]
    return []


def _headers_errors(headers: Any, field: str) -> list[dict[str, Any]]:
    if headers is None:
        return []
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        return [
            _error("Headers must be an object of string values.", field, f"{HELP}#message.headers")
        ]
    return [
        _error(
            f"The header {name} is reserved and cannot be set.",
            f"{field}.{name}",
            f"{HELP}#message.headers",
        )
        for name in headers
        if name.lower() in RESERVED_HEADERS
    ]


def _categories_errors(categories: Any) -> list[dict[str, Any]]:
    if categories is None:
        return []
    where = f"{HELP}#message.categories"
    if (
        not isinstance(categories, list)
        or len(categories) > 10
        or len(set(map(str, categories))) != len(categories)
    ):
        return [
            _error("Categories must be a list of at most 10 unique names.", "categories", where)
        ]
    if not all(isinstance(c, str) and 0 < len(c) <= 255 for c in categories):
        return [
            _error("A category name must be a string of 1 to 255 characters.", "categories", where)
        ]
    return []


def _size(mapping: dict[str, str]) -> int:
    return sum(len(key.encode()) + len(value.encode()) for key, value in mapping.items())


def _is_address(value: Any) -> bool:
    """`local@domain` syntax only: `no-reply@localhost`, the mailer's default, passes.

    Real SendGrid also wants the sender verified on the account; a fake cannot know that.
    """
    if not isinstance(value, str) or value.count("@") != 1 or any(c.isspace() for c in value):
        return False
    local, domain = value.split("@")
    return bool(local) and bool(domain)


@pytest.fixture
def fake_sendgrid() -> Iterator[FakeSendGrid]:
    """A fresh fake SendGrid for one test, stopped afterwards; its key is `DEFAULT_KEY`."""
    with FakeSendGrid() as fake:
        yield fake


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--api-key", default=os.environ.get("SENDGRID_API_KEY") or DEFAULT_KEY)
    parser.add_argument(
        "--counts-only", action="store_true", help="keep counts, not every recipient"
    )
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with FakeSendGrid(
        args.api_key, host=args.host, port=args.port, keep=not args.counts_only
    ) as fake:
        print(fake.url, flush=True)
        stop.wait()


if __name__ == "__main__":
    main()

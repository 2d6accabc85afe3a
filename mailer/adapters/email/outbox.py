"""Reading back what the file backend wrote: each email's sender, recipient, subject, links.

The bodies are base64 or quoted-printable (mime.py keeps every message 7-bit), so `grep`
finds neither a word nor a link in them. `mailer outbox` decodes them instead, so that a
developer can follow a confirmation or unsubscribe link on a machine that sends no mail.
"""

import email
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

from mailer.adapters.email.mime import CATEGORY_HEADER

_URL = re.compile(r"https?://[^\s<>\"')]+")


@dataclass(frozen=True)
class WrittenEmail:
    """One `.eml` file as a person would summarise it; `problem` when it cannot be read."""

    name: str
    written_at: datetime
    category: str = ""
    sender: str = ""
    recipient: str = ""
    subject: str = ""
    links: tuple[str, ...] = ()
    problem: str | None = None


def written_emails(outbox: Path, last: int | None = None) -> list[WrittenEmail]:
    """The emails under `outbox`, oldest first; only the `last` newest when given."""
    paths = sorted(_eml_files(outbox), key=lambda path: (path.stat().st_mtime_ns, path.name))
    if last is not None:
        paths = paths[-last:] if last > 0 else []
    return [_read(path) for path in paths]


def _eml_files(outbox: Path) -> Iterator[Path]:
    if outbox.is_dir():
        yield from (path for path in outbox.glob("*.eml") if path.is_file())


def _read(path: Path) -> WrittenEmail:
    written_at = datetime.fromtimestamp(path.stat().st_mtime).astimezone()
    try:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        return WrittenEmail(
            name=path.name,
            written_at=written_at,
            category=str(message.get(CATEGORY_HEADER, "")),
            sender=str(message.get("From", "")),
            recipient=str(message.get("To", "")),
            subject=str(message.get("Subject", "")),
            links=tuple(dict.fromkeys(_links(message))),
        )
    # A file someone else put there, or one damaged on disk, must not hide the others.
    except Exception as error:  # noqa: BLE001
        return WrittenEmail(path.name, written_at, problem=f"{type(error).__name__}: {error}")


def _links(message: EmailMessage) -> Iterator[str]:
    """The links of the text part in order, then any only the HTML part has."""
    for subtype in ("plain", "html"):
        part = message.get_body((subtype,))
        if part is None:
            continue
        content = part.get_content()
        if subtype == "plain":
            yield from _URL.findall(content)
        else:
            yield from _hrefs(content)


def _hrefs(html: str) -> list[str]:
    found: list[str] = []

    class Anchors(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            href = dict(attrs).get("href")
            if tag == "a" and href and _URL.fullmatch(href):
                found.append(href)

    Anchors().feed(html)
    return found

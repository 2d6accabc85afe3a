"""The default backend: every message becomes one `.eml` file under `<instance>/outbox/`.

Nothing leaves the machine, which is what a laptop, a demo and most tests want; the files
are exactly what an SMTP server would have received, so any mail client opens them. Each
file is written under a temporary name and renamed, so a reader (or a crash) never sees half
a message. Names carry the category, run and subject ids, never the address. The messages
hold addresses and links that act for their recipients, so the outbox is 0700 and each file
0600.
"""

import logging
import os
import uuid
from pathlib import Path

from mailer.adapters.email.mime import as_bytes, build_message
from mailer.domain.outgoing import Envelope, Outcome, Outgoing
from plumbing.files import private_directory, write_private

log = logging.getLogger(__name__)


class FileBackend:
    """Writes one RFC 5322 file per envelope; a write that fails is `failed` with the reason."""

    max_envelopes = 1000

    def __init__(self, outbox: Path, sender: str) -> None:
        self.outbox = outbox
        self._sender = sender

    def send(self, outgoing: Outgoing) -> list[Outcome]:
        try:
            private_directory(self.outbox)
        except OSError as error:
            reason = f"the outbox cannot be created: {type(error).__name__}: {error}"
            return [Outcome(e.subject_id, "failed", reason) for e in outgoing.envelopes]
        return [self._write(outgoing, envelope) for envelope in outgoing.envelopes]

    def _write(self, outgoing: Outgoing, envelope: Envelope) -> Outcome:
        name = file_name(outgoing.category, envelope)
        temporary = self.outbox / f".{name}.tmp"
        try:
            data = as_bytes(build_message(self._sender, outgoing, envelope))
            write_private(temporary, data)
            os.replace(temporary, self.outbox / name)
        except (OSError, ValueError) as error:
            temporary.unlink(missing_ok=True)
            log.warning(
                "email file not written",
                extra={"event": "email_file_failed", "subject_id": str(envelope.subject_id)},
            )
            return Outcome(envelope.subject_id, "failed", f"{type(error).__name__}: {error}")
        return Outcome(envelope.subject_id, "sent")


def file_name(category: str, envelope: Envelope) -> str:
    """`<category>_<run id>_<subject id>_<random>.eml`; the run id only where there is one."""
    parts = [
        category,
        envelope.custom_args.get("run_id"),
        str(envelope.subject_id),
        uuid.uuid4().hex,
    ]
    return "_".join(part for part in parts if part) + ".eml"

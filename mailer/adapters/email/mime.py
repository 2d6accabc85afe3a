"""One envelope of a group as an RFC 5322 message, for the backends that speak MIME.

The file and SMTP backends fill the envelope's placeholders in first (`personalize`), then
build a multipart/alternative message, text before HTML so that clients preferring the
last alternative they understand show the HTML (RFC 2046 section 5.1.4).
"""

import email.policy
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from mailer.domain.outgoing import Envelope, Outgoing
from mailer.services.compose import personalize

WRITE_POLICY = email.policy.SMTP.clone(max_line_length=998)
"""CRLF line ends; headers fold only past RFC 5322's hard limit of 998 characters.

At the default 78, the email package turns a long `List-Unsubscribe` URL (one word it
cannot fold) into an RFC 2047 encoded word, which no mail client would recognise.
"""

IDS_HEADER = "X-Consent-Ids"
CATEGORY_HEADER = "X-Consent-Category"


def build_message(sender: str, outgoing: Outgoing, envelope: Envelope) -> EmailMessage:
    """The personalized message for one envelope, with its headers and opaque ids."""
    content = personalize(outgoing.content, envelope)
    # Built under the 78-column policy so non-ASCII bodies get base64 or quoted-printable
    # and stay 7-bit: no server needs 8BITMIME to take them.
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    message["To"] = envelope.address
    message["Subject"] = content.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(idstring=uuid.uuid4().hex, domain=_domain(sender))
    for name, value in envelope.headers.items():
        message[name] = value
    if envelope.custom_args:
        message[IDS_HEADER] = "; ".join(f"{k}={v}" for k, v in sorted(envelope.custom_args.items()))
    message[CATEGORY_HEADER] = outgoing.category
    message.set_content(content.text)
    message.add_alternative(content.html, subtype="html")
    return message


def as_bytes(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=WRITE_POLICY)


def _domain(sender: str) -> str:
    """The sender's domain for Message-IDs (never the host name: that costs a DNS lookup)."""
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"

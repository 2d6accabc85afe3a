"""Direct transfers to a third party (GDPR Art. 20(2)): registering, requesting, delivering.

An admin registers a recipient with a generated secret; `POST /v1/subjects/{id}/transfers`
queues a transfer; the relay's transfer thread (`TransferWorker`) builds the person's full
export (the same one `GET .../export` answers, mailer part included), signs it and POSTs it to
the registered URL, retrying with backoff (domain/transfers.py). The final outcome, delivered
or failed, is proved by a ledger entry of kind `transfer` (source `admin`, actor the name of
the API key that asked; evidence names the recipient, the outcome and the last answer, never
the body). Like every ledger entry it raises the subject's version, announced as a
`subject.updated/1` with nothing changed so the mailer's view keeps the same version
(decision 0006: every version has its message).
"""

import secrets
import uuid
from datetime import datetime

from consent_service.domain.errors import Conflict, DomainError, SubjectNotFound
from consent_service.domain.transfers import (
    InvalidRecipient,
    TransferStatus,
    check_name,
    check_url,
    resolved_refusal,
    url_host_and_port,
)
from consent_service.services.ports import Repository
from consent_service.services.ports.transfers import RecipientRow, Resolver, TransferRow


class UnknownRecipient(DomainError):
    field = "recipient"


def vetted_addresses(resolver: Resolver, url: str) -> list[str]:
    """The URL's host resolved now, every address public: what production may connect to.

    InvalidRecipient when any address is internal; OSError when the name does not resolve.
    """
    host, port = url_host_and_port(url)
    addresses = resolver.resolve(host, port)
    refusal = resolved_refusal(host, addresses)
    if refusal is not None:
        raise InvalidRecipient(f"Refused URL: {refusal}.", field="url")
    return addresses


def register_recipient(
    registry: Repository,
    name: str,
    url: str,
    *,
    production: bool,
    now: datetime,
    resolver: Resolver,
) -> str:
    """Store a recipient with a new secret and return the secret (shown once, never again).

    In production its host must resolve, and only to public addresses; delivery checks that
    again before every attempt, since DNS may answer differently by then.
    """
    check_name(name)
    check_url(url, production=production)
    if production:
        try:
            vetted_addresses(resolver, url)
        except OSError as error:
            refusal = f"Refused URL: its host does not resolve ({error})."
            raise InvalidRecipient(refusal, field="url") from None
    if registry.transfers.recipient(name) is not None:
        raise Conflict(f"A recipient named {name!r} is registered already.", field="name")
    secret = secrets.token_urlsafe(32)
    registry.transfers.add_recipient(RecipientRow(name, url, secret, now))
    return secret


def request_transfer(
    registry: Repository, subject_id: uuid.UUID, recipient: str, requested_by: str, now: datetime
) -> TransferRow:
    """Queue a transfer; SubjectNotFound or UnknownRecipient (nothing written) otherwise."""
    if registry.subject_by_id(subject_id) is None:
        raise SubjectNotFound(f"No subject {subject_id}.")
    if registry.transfers.recipient(recipient) is None:
        raise UnknownRecipient(f"No recipient is registered as {recipient!r}.")
    row = TransferRow(
        id=uuid.uuid4(),
        subject_id=subject_id,
        recipient=recipient,
        status=TransferStatus.PENDING.value,
        attempts=0,
        next_attempt_at=now,
        last_error=None,
        requested_by=requested_by,
        created_at=now,
        finished_at=None,
    )
    registry.transfers.add_transfer(row)
    return row


def transfer_of(
    registry: Repository, subject_id: uuid.UUID, transfer_id: uuid.UUID
) -> TransferRow | None:
    """The subject's transfer, None if it has no such transfer; SubjectNotFound for an
    unknown or erased subject."""
    if registry.subject_by_id(subject_id) is None:
        raise SubjectNotFound(f"No subject {subject_id}.")
    found = registry.transfers.transfer(transfer_id)
    return found if found is not None and found.subject_id == subject_id else None

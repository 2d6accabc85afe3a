"""The stores of one person's data in memory (the ports of `consent_service/services/ports`):
suppressions, what erasure removes, rights requests, links, forms, keys, transfers and
webhook events, over the `Tables` the fake repository shares with them."""

import dataclasses
import uuid
from collections import Counter
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from consent_service.domain.forms import SignupForm
from consent_service.domain.tallies import EVERYONE, ConsentTally
from consent_service.services.ports import WriteConflict
from consent_service.services.ports.keys import StoredKey
from consent_service.services.ports.links import TokenUse
from consent_service.services.ports.rights import RightsRequestRow
from consent_service.services.ports.transfers import RecipientRow, TransferRow
from tests.fakes.tables import Tables


class FakeSuppressions:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add(self, address_hash: bytes, reason: str, now: datetime) -> None:
        self.tables.suppressions.setdefault((address_hash, reason), now)

    def add_former(self, subject_id: uuid.UUID, address_hash: bytes, now: datetime) -> None:
        self.tables.former_addresses.setdefault(subject_id, set()).add(address_hash)

    def take_former(self, subject_id: uuid.UUID) -> set[bytes]:
        return self.tables.former_addresses.pop(subject_id, set())

    def reasons(self, hashes: Collection[bytes]) -> set[str]:
        return {reason for (hashed, reason) in self.tables.suppressions if hashed in hashes}

    def remove(self, hashes: Collection[bytes], reason: str) -> int:
        gone = [key for key in self.tables.suppressions if key[0] in hashes and key[1] == reason]
        for key in gone:
            del self.tables.suppressions[key]
        return len(gone)

    def held(self, hashes: Collection[bytes], reasons: Collection[str]) -> set[bytes]:
        return {h for (h, reason) in self.tables.suppressions if h in hashes and reason in reasons}

    def counts(self) -> dict[str, int]:
        return dict(Counter(reason for _hash, reason in self.tables.suppressions))

    def entries(self, hashes: Collection[bytes]) -> dict[str, datetime]:
        found: dict[str, datetime] = {}
        for (hashed, reason), since in self.tables.suppressions.items():
            if hashed in hashes:
                found[reason] = min(since, found.get(reason, since))
        return found


class FakePersonalData:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def forget_contact(self, subject_id: uuid.UUID, version: int, now: datetime) -> None:
        stored = self.tables.subjects[subject_id]
        row = stored.row
        row.email = row.name = row.external_id = row.email_confirmed_at = None
        row.version, row.updated_at = version, now
        stored.email_key, stored.erased_at = None, now

    def delete_consents(self, subject_id: uuid.UUID) -> None:
        self.tables.consents.pop(subject_id, None)

    def pseudonymise_ledger(self, subject_id: uuid.UUID) -> int:
        ledger, count = self.tables.ledger, 0
        for index, entry in enumerate(ledger):
            if entry.record.subject_id == str(subject_id):
                ledger[index] = dataclasses.replace(entry, evidence=None, evidence_nonce=None)
                count += 1
        return count

    def addresses_in_messages(self, subject_id: uuid.UUID) -> set[str]:
        bodies = [row["payload"] for row in self.tables.outbox if row["subject_id"] == subject_id]
        bodies += [
            answer.response
            for answer, about, _at in self.tables.answers.values()
            if about == subject_id
        ]
        return {body["email"] for body in bodies if isinstance(body.get("email"), str)}

    def delete_outbox(self, subject_id: uuid.UUID) -> int:
        kept = [row for row in self.tables.outbox if row["subject_id"] != subject_id]
        deleted, self.tables.outbox[:] = len(self.tables.outbox) - len(kept), kept
        return deleted

    def delete_idempotent_answers(self, subject_id: uuid.UUID) -> int:
        mine = [key for key, (_a, about, _at) in self.tables.answers.items() if about == subject_id]
        for key in mine:
            del self.tables.answers[key]
        return len(mine)


class FakeRightsRequests:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def requests_of(self, subject_id: uuid.UUID) -> list[RightsRequestRow]:
        mine = [r for r in self.tables.rights_requests if r.subject_id == subject_id]
        return sorted(mine, key=lambda r: (r.requested_at, r.id))

    def add_request(self, row: RightsRequestRow) -> None:
        self.tables.rights_requests.append(row)

    def complete_requests(self, subject_id: uuid.UUID, kind: str, now: datetime) -> int:
        requests, count = self.tables.rights_requests, 0
        for index, row in enumerate(requests):
            if row.subject_id == subject_id and row.kind == kind and row.completed_at is None:
                requests[index] = dataclasses.replace(
                    row,
                    status="closed",
                    completed_at=now,
                    outcome="fulfilled",
                    contact_address=None,
                )
                count += 1
        return count

    def forget_contact(self, subject_id: uuid.UUID, addresses: set[str]) -> int:
        lowered, requests, count = {a.lower() for a in addresses}, self.tables.rights_requests, 0
        for index, row in enumerate(requests):
            address = row.contact_address
            if address is not None and (row.subject_id == subject_id or address.lower() in lowered):
                requests[index] = dataclasses.replace(row, contact_address=None)
                count += 1
        return count

    def list_requests(self, *, closed: bool, limit: int) -> list[RightsRequestRow]:
        rows = self.tables.rights_requests
        if closed:
            done = [r for r in rows if r.completed_at is not None]
            return sorted(done, key=lambda r: r.completed_at or r.requested_at, reverse=True)[
                :limit
            ]
        waiting = [r for r in rows if r.completed_at is None]
        return sorted(waiting, key=lambda r: (r.due_on, r.requested_at, r.id))[:limit]

    def request_by_id(
        self, request_id: uuid.UUID, *, for_update: bool = False
    ) -> RightsRequestRow | None:
        return next((r for r in self.tables.rights_requests if r.id == request_id), None)

    def close_request(
        self, request_id: uuid.UUID, outcome: str, reason: str | None, now: datetime
    ) -> None:
        requests = self.tables.rights_requests
        for index, row in enumerate(requests):
            if row.id == request_id:
                requests[index] = dataclasses.replace(
                    row,
                    status="closed",
                    completed_at=now,
                    outcome=outcome,
                    reason=reason,
                    contact_address=None,
                )


class FakeLinkEmails:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def count_since(self, subject_id: uuid.UUID, kind: str, since: datetime) -> int:
        sent = self.tables.link_emails
        return sum(1 for who, k, at in sent if who == subject_id and k == kind and at >= since)

    def add(self, subject_id: uuid.UUID, kind: str, now: datetime) -> None:
        self.tables.link_emails.append((subject_id, kind, now))

    def prune(self, before: datetime) -> int:
        return self._drop(lambda _who, at: at < before)

    def delete_of(self, subject_id: uuid.UUID) -> int:
        return self._drop(lambda who, _at: who == subject_id)

    def _drop(self, gone: Any) -> int:
        kept = [(who, k, at) for who, k, at in self.tables.link_emails if not gone(who, at)]
        dropped, self.tables.link_emails[:] = len(self.tables.link_emails) - len(kept), kept
        return dropped


class FakeLinkTokens:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def was_used(self, digest: bytes) -> bool:
        return digest in self.tables.used_tokens

    def use(self, use: TokenUse) -> bool:
        if use.digest in self.tables.used_tokens:
            return False
        self.tables.used_tokens[use.digest] = use
        return True


class FakeForms:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add_form(self, form: SignupForm) -> None:
        if form.form_id in self.tables.forms:
            raise WriteConflict(f"form {form.form_id} exists")
        self.tables.forms[form.form_id] = form

    def form(self, form_id: str) -> SignupForm | None:
        return self.tables.forms.get(form_id)

    def forms(self) -> list[SignupForm]:
        return [self.tables.forms[form_id] for form_id in sorted(self.tables.forms)]


class FakeApiKeys:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add_key(self, key: StoredKey) -> None:
        self.tables.api_keys[key.id] = key

    def key(self, key_id: str) -> StoredKey | None:
        return self.tables.api_keys.get(key_id)

    def all(self) -> list[StoredKey]:
        return sorted(self.tables.api_keys.values(), key=lambda k: (k.created_at, k.id))

    def revoke(self, key_id: str, now: datetime) -> None:
        key = self.tables.api_keys.get(key_id)
        if key is not None and key.revoked_at is None:
            self.tables.api_keys[key_id] = dataclasses.replace(key, revoked_at=now)

    def is_live(self, key_id: str) -> bool:
        key = self.tables.api_keys.get(key_id)
        return key is not None and key.revoked_at is None


class FakeTransfers:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add_recipient(self, row: RecipientRow) -> None:
        if row.name in self.tables.recipients:
            raise WriteConflict(f"recipient {row.name} exists")
        self.tables.recipients[row.name] = row

    def recipient(self, name: str) -> RecipientRow | None:
        return self.tables.recipients.get(name)

    def recipients(self) -> list[RecipientRow]:
        return [self.tables.recipients[name] for name in sorted(self.tables.recipients)]

    def add_transfer(self, row: TransferRow) -> None:
        self.tables.transfers[row.id] = row

    def transfer(self, transfer_id: uuid.UUID) -> TransferRow | None:
        return self.tables.transfers.get(transfer_id)

    def claim_due(self, now: datetime, lease_until: datetime) -> TransferRow | None:
        due = [
            t
            for t in self.tables.transfers.values()
            if t.status == "pending" and t.next_attempt_at is not None and t.next_attempt_at <= now
        ]
        if not due:
            return None
        oldest = min(due, key=lambda t: (t.next_attempt_at, t.id))
        claimed = dataclasses.replace(
            oldest, attempts=oldest.attempts + 1, next_attempt_at=lease_until
        )
        self.tables.transfers[oldest.id] = claimed
        return claimed

    def retry_later(self, claim: TransferRow, next_attempt_at: datetime, error: str) -> bool:
        return self._update(claim, next_attempt_at=next_attempt_at, last_error=error[:500])

    def finish(self, claim: TransferRow, status: str, now: datetime, error: str | None) -> bool:
        last_error = error[:500] if error else None
        return self._update(
            claim, status=status, next_attempt_at=None, finished_at=now, last_error=last_error
        )

    def _update(self, claim: TransferRow, **values: Any) -> bool:
        held = self.tables.transfers.get(claim.id)
        if held is None or held.status != "pending" or held.attempts != claim.attempts:
            return False
        self.tables.transfers[claim.id] = dataclasses.replace(held, **values)
        return True


class FakeWebhookEvents:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def record(self, event_id: str, now: datetime) -> bool:
        if event_id in self.tables.webhook_events:
            return False
        self.tables.webhook_events[event_id] = now
        return True


class FakeTallies:
    """The running counts as plain sums, without slots (a database matter)."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add_to_tallies(self, tally: ConsentTally) -> None:
        self.tables.consent_counts.update(tally.status_deltas())
        for key, delta in tally.day_deltas().items():
            grants, withdrawals = self.tables.consent_days.get(key, (0, 0))
            self.tables.consent_days[key] = (
                grants + delta.grants,
                withdrawals + delta.withdrawals,
            )

    def people_per_purpose(self) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for (purpose, status), people in self.tables.consent_counts.items():
            if (purpose, status) != EVERYONE:
                found.setdefault(purpose, {})[status] = people
        return found

    def people(self) -> int:
        return self.tables.consent_counts[EVERYONE]

    def changes_per_day(self, first_day: date) -> dict[date, tuple[int, int]]:
        found: dict[date, tuple[int, int]] = {}
        for (day, _purpose), (grants, withdrawals) in self.tables.consent_days.items():
            if day >= first_day:
                before = found.get(day, (0, 0))
                found[day] = (before[0] + grants, before[1] + withdrawals)
        return found

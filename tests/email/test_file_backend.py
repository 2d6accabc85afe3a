"""The default backend: one RFC 5322 file per envelope under the outbox."""

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from mailer.adapters.email.file import FileBackend
from tests.email.factories import SENDER, one_group


def read(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_every_envelope_becomes_one_parseable_message(tmp_path: Path) -> None:
    group = one_group(3)
    backend = FileBackend(tmp_path / "outbox", SENDER)

    outcomes = backend.send(group)

    assert [(o.subject_id, o.kind) for o in outcomes] == [
        (e.subject_id, "sent") for e in group.envelopes
    ]
    files = sorted((tmp_path / "outbox").iterdir())
    assert len(files) == 3
    by_recipient = {read(f)["To"]: read(f) for f in files}
    for envelope in group.envelopes:
        message = by_recipient[envelope.address]
        assert message["From"] == SENDER
        assert message["List-Unsubscribe"] == envelope.headers["List-Unsubscribe"]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["X-Consent-Category"] == "campaign"
        ids = dict(pair.split("=") for pair in message["X-Consent-Ids"].split("; "))
        assert ids == dict(envelope.custom_args)


def test_the_message_is_multipart_alternative_text_then_html(tmp_path: Path) -> None:
    group = one_group(1, subject="Жаңылыктар {{ name }}")
    FileBackend(tmp_path, SENDER).send(group)

    [path] = tmp_path.glob("*.eml")
    message = read(path)

    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert message["Subject"] == "Жаңылыктар Aigul"
    assert f"Out: {unsubscribe}" in message.get_body(("plain",)).get_content()
    assert f'href="{unsubscribe}"' in message.get_body(("html",)).get_content()
    assert b"\r\n" in path.read_bytes()


def test_file_names_hold_ids_and_never_the_address(tmp_path: Path) -> None:
    group = one_group(2)
    FileBackend(tmp_path, SENDER).send(group)

    names = sorted(p.name for p in tmp_path.iterdir())

    run_id = group.envelopes[0].custom_args["run_id"]
    assert [name.split("_")[:2] for name in names] == [["campaign", run_id]] * 2
    assert {name.split("_")[2] for name in names} == {str(e.subject_id) for e in group.envelopes}
    assert not [n for n in names if "@" in n or "reader" in n or n.endswith(".tmp")]


def test_an_unusable_outbox_fails_every_envelope_with_the_reason(tmp_path: Path) -> None:
    blocked = tmp_path / "outbox"
    blocked.write_text("a file where the outbox should be")

    outcomes = FileBackend(blocked, SENDER).send(one_group(2))

    assert {o.kind for o in outcomes} == {"failed"}
    assert all("outbox" in (o.reason or "") for o in outcomes)

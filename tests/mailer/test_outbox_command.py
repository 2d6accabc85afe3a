"""`mailer outbox`: the emails the file backend wrote, with their links, though the bodies
are base64 and `grep` finds nothing in them."""

import os
import re
import uuid
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.adapters.email import make_backend
from mailer.cli import main
from mailer.config import MailerSettings
from mailer.services.compose import confirmation_email
from tests.email.factories import composer, person

CONFIRM_URL = "http://127.0.0.1:8000/confirm/abc.def"
NO_LINKS = {"subject": "Жаңылыктар", "html": "<p>Салам!</p>", "text": "Салам!"}


def outbox_listing(instance: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["outbox", *args], env={"CONSENT_INSTANCE_DIR": str(instance)}
    )
    return result.exit_code, result.stdout, result.stderr


def write_two_emails(instance: Path) -> list[str]:
    """A confirmation email, then a campaign email; the campaign's links."""
    sending = MailerSettings.from_env({"CONSENT_INSTANCE_DIR": str(instance)}).sending
    backend = make_backend(sending, instance)
    backend.send(
        confirmation_email(
            uuid.uuid4(), "aigul@example.kg", "ky", "ky", CONFIRM_URL, ["newsletters"], sending.shop
        )
    )
    outbox = instance / "outbox"
    first = next(outbox.glob("*.eml"))
    os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns - 10**9))
    [campaign] = composer({"ky": NO_LINKS}).compose([person("ky")])
    backend.send(campaign)
    envelope = campaign.envelopes[0]
    return [envelope.headers["List-Unsubscribe"].strip("<>")]


def test_the_listing_decodes_sender_recipient_subject_and_links(tmp_path: Path) -> None:
    [unsubscribe] = write_two_emails(tmp_path)
    raw = b"".join(path.read_bytes() for path in (tmp_path / "outbox").glob("*.eml"))
    assert CONFIRM_URL.encode() not in raw  # what grep would have to find

    code, listing, _ = outbox_listing(tmp_path)

    assert code == 0
    confirmation, campaign = listing.split("\n\n")[:2]
    assert "confirmation" in confirmation.splitlines()[0]
    assert '  From:    "Example Shop (demo)" <no-reply@example.org>' in confirmation
    assert "  To:      aigul@example.kg" in confirmation
    assert "  Subject: Жазылууңузду ырастаңыз" in confirmation
    assert f"  Link:    {CONFIRM_URL}" in confirmation
    assert "campaign" in campaign.splitlines()[0]
    assert "  Subject: Жаңылыктар" in campaign
    assert f"  Link:    {unsubscribe}" in campaign
    assert "/preferences/" in campaign


def test_last_shows_only_the_newest(tmp_path: Path) -> None:
    write_two_emails(tmp_path)

    code, listing, _ = outbox_listing(tmp_path, "--last", "1")

    assert code == 0
    assert "campaign" in listing and "confirmation" not in listing


def test_an_empty_outbox_says_where_it_looked(tmp_path: Path) -> None:
    code, listing, message = outbox_listing(tmp_path)

    assert code == 0
    assert listing == ""
    assert str(tmp_path / "outbox") in message


def test_a_bad_count_is_refused(tmp_path: Path) -> None:
    code, _, message = outbox_listing(tmp_path, "--last", "0")

    assert code == 2
    assert "--last" in message


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=2000))
def test_any_file_in_the_outbox_is_listed_and_the_others_still_are(
    tmp_path: Path, content: bytes
) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir(exist_ok=True)
    for old in outbox.iterdir():
        old.unlink()
    (outbox / "stranger.eml").write_bytes(content)

    code, listing, _ = outbox_listing(tmp_path)

    assert code == 0
    assert len(re.findall(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  ", listing, re.M)) == 1

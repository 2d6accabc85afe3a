"""The mailer's logs are JSON lines that never show an email address."""

import json
import logging
import sys

from plumbing.logs import JsonFormatter


def test_an_address_in_the_message_an_extra_or_a_traceback_is_masked() -> None:
    try:
        raise ValueError("no such reader aigul@example.kg")
    except ValueError:
        record = logging.getLogger("mailer.test").makeRecord(
            "mailer.test",
            logging.ERROR,
            __file__,
            1,
            "applied for %s",
            ("Aigul@Example.KG",),
            exc_info=sys.exc_info(),
            extra={"event": "applied", "recipient": "aigul@example.kg"},
        )
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "@" not in line
    assert entry["event"] == "applied"
    assert entry["recipient"].startswith("<email:")
    assert entry["recipient"] == entry["message"].removeprefix("applied for ")

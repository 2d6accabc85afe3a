"""Dropping dead-lettered messages of erased people: they carry the addresses of their time.

`mailer.dead-letter` keeps what could not be applied, for an operator to read; on RabbitMQ
it is a queue, on the embedded broker files under `<instance>/broker/`. After an erasure no
copy of the person's address may stay anywhere (SPEC guarantee 7), so after applying one
the consumer reads the whole queue once: a message about a subject the view holds a
tombstone for is acked, which deletes it; every other one is rejected with requeue, which
hands it back unchanged (on a classic queue, at its old place). A body that is not a JSON
object with a `subject_id` cannot be matched to anyone and is handed back too.

The embedded broker moves a message file to `processed/` before reading it and deletes it
after; a worker killed in between leaves the file there for ever (its message is lost, and
catch-up repairs that). Such leftovers are removed here too, once clearly abandoned.
"""

import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from kombu import Connection
from kombu.message import Message

from mailer.adapters.broker import dead_letter_queue

log = logging.getLogger(__name__)

SWEEP_LIMIT = 10_000
"""Messages held unacked at once by one sweep; the rest wait for the next one."""
ABANDONED_AFTER_SECONDS = 60.0
"""A consumer reads a taken file within milliseconds; one older than this was left behind."""


def _subject_of(message: Message) -> uuid.UUID | None:
    try:
        body = json.loads(message.body)
        return uuid.UUID(str(body["subject_id"]))
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return None


def drop_erased(
    connection: Connection, erased_among: Callable[[set[uuid.UUID]], set[uuid.UUID]]
) -> int:
    """Delete the dead letters of subjects `erased_among` names; how many were deleted."""
    channel = connection.channel()
    try:
        queue = dead_letter_queue().bind(channel)
        queue.declare()
        held: list[tuple[Message, uuid.UUID | None]] = []
        while len(held) < SWEEP_LIMIT:
            message = queue.get(no_ack=False)
            if message is None:
                break
            held.append((message, _subject_of(message)))
        erased = erased_among({subject for _, subject in held if subject is not None})
        dropped = 0
        for message, subject in held:
            if subject in erased:
                message.ack()
                dropped += 1
            else:
                message.requeue()
    finally:
        channel.close()
    _remove_abandoned(connection)
    if dropped:
        log.info(
            "dead letters of erased subjects dropped",
            extra={"event": "dead_letters_dropped", "count": dropped},
        )
    return dropped


def _remove_abandoned(connection: Connection) -> None:
    folder = (connection.transport_options or {}).get("processed_folder")
    if not folder or connection.transport.driver_type == "amqp":
        return
    cutoff = time.time() - ABANDONED_AFTER_SECONDS
    for path in Path(folder).glob("*.msg"):
        try:
            if path.stat().st_ctime < cutoff:  # moving a file in changes its ctime
                os.remove(path)
        except FileNotFoundError:
            continue

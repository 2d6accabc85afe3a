"""The embedded broker never hands the mailer a message its writer has not finished.

kombu's own filesystem transport creates a message file, then writes it; a consumer listing
the folder in between took the empty file and the message was lost. The shared transport in
`plumbing/broker/connection.py` writes under a hidden name and renames it into place. This
test makes a consumer poll at the worst moment: the file written, not yet renamed.
"""

import os
from pathlib import Path

import pytest
from kombu import Exchange, Queue

import plumbing.broker.connection as connection_module
from plumbing.broker.connection import broker_connection


def test_a_consumer_polling_during_a_publish_never_takes_a_half_written_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exchange = Exchange("race", type="topic")
    queue = Queue("race", exchange=exchange, routing_key="#")
    with (
        broker_connection(None, tmp_path) as reader,
        broker_connection(None, tmp_path) as writer,
    ):
        channel = reader.channel()
        queue(channel).declare()
        polled: list[object] = []
        replace = os.replace

        def poll_before_rename(source: str, target: str) -> None:
            """The writer has written its message but not renamed it: a consumer polls now."""
            polled.append(queue(channel).get(no_ack=True))
            replace(source, target)

        monkeypatch.setattr(connection_module.os, "replace", poll_before_rename)
        writer.Producer().publish({"n": 1}, exchange=exchange, routing_key="r", declare=[exchange])
        monkeypatch.undo()
        delivered = queue(channel).get(no_ack=True)
    assert polled == [None]
    assert delivered is not None
    assert delivered.payload == {"n": 1}


def test_a_fetched_message_never_leaves_the_instance_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kombu moves a fetched message to the system temp folder; ours stays in the instance."""
    moved_to: list[str] = []
    move = connection_module.shutil.move

    def record_move(source: str, target: str) -> str:
        moved_to.append(target)
        return move(source, target)

    monkeypatch.setattr(connection_module.shutil, "move", record_move)
    exchange = Exchange("kept", type="topic")
    queue = Queue("kept", exchange=exchange, routing_key="#")
    with broker_connection(None, tmp_path) as connection:
        queue(connection.channel()).declare()
        connection.Producer().publish({"n": 2}, exchange=exchange, routing_key="r")
        assert queue(connection.channel()).get(no_ack=True).payload == {"n": 2}
    assert moved_to
    assert all(Path(target).resolve().is_relative_to(tmp_path.resolve()) for target in moved_to)
    assert not any((tmp_path / "broker" / "processed").iterdir())

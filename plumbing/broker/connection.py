"""One way for both parts to open a kombu connection: RabbitMQ, or the embedded broker.

The embedded broker is kombu's filesystem transport with three repairs:
- kombu creates a message file and only then writes it; a consumer listing the folder in
  between takes the empty file and the message is lost. Messages are written under a hidden
  temporary name and renamed into place, which is atomic on one file system.
- kombu moves a fetched message to the system's temporary folder before reading it; a crash
  there would leave an address outside the instance directory. Fetched messages go to the
  instance's own `processed` folder and are deleted once read.
- kombu keeps exchange bindings in a process-wide state object and writes a binding's
  control file only when that state has not seen the binding; a process that opens two
  instance directories (a test run, a bench) would never write the second one's bindings.
  The state is kept per control folder.

Messages may carry addresses, so the broker's folders are 0700 and its files 0600
(plumbing/files.py).
"""

import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any, ClassVar

from kombu import Connection
from kombu.transport import filesystem, virtual

from plumbing.files import PRIVATE_FILE, private_directory, write_private


def embedded_broker(instance_dir: str) -> tuple[str, dict[str, Any]]:
    """kombu URL and options of the embedded broker: files under `<instance>/broker/`.

    kombu's filesystem transport works across processes on one host and keeps exchange
    bindings in control files, which the in-memory and SQLAlchemy transports do not. It
    deletes a message when it is fetched, before the ack, so a consumer killed mid-message
    loses it: the mailer's catch-up repairs that, and the registry's outbox keeps everything
    until it was published. Processed messages are not kept (they may hold addresses).
    The URL names this host: the folders are local, and kombu warns on every connection
    whose URL has no host name.
    """
    root = f"{instance_dir.rstrip('/')}/broker"
    options = {
        "data_folder_in": f"{root}/messages",
        "data_folder_out": f"{root}/messages",
        "control_folder": f"{root}/control",
        "processed_folder": f"{root}/processed",
        "store_processed": False,
        "polling_interval": 0.05,
    }
    return "filesystem://localhost", options


class EmbeddedChannel(filesystem.Channel):
    # kombu's own classes disagree on the name (`message` in AbstractChannel, `payload` in
    # filesystem.Channel, which calls it by position): this one keeps the parent's.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(time.monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        temporary = os.path.join(self.data_folder_out, f".{name}.tmp")
        try:
            write_private(Path(temporary), json.dumps(payload).encode())
            os.replace(temporary, os.path.join(self.data_folder_out, name))
        except OSError as error:
            raise filesystem.ChannelError(f"Cannot add {name!r} to the queue folder") from error

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        super()._queue_bind(exchange, routing_key, pattern, queue)
        os.chmod(self._exchange_file(exchange), PRIVATE_FILE)

    def _get(self, queue: str, timeout: float | None = None) -> dict[str, Any]:
        wanted = f"{queue}.msg"
        processed = str(self.processed_folder)
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.startswith(".") or name.partition(".")[2] != wanted:
                continue
            try:
                shutil.move(os.path.join(self.data_folder_in, name), processed)
            except OSError:
                continue  # another consumer took it first
            taken = os.path.join(processed, name)
            try:
                with open(taken, "rb") as handle:
                    payload = handle.read()
            finally:
                if not self.store_processed:
                    os.remove(taken)
            return json.loads(payload)
        raise filesystem.Empty()


class EmbeddedTransport(filesystem.Transport):
    """kombu's filesystem transport, repaired as the module says."""

    Channel = EmbeddedChannel
    _states: ClassVar[dict[str, virtual.BrokerState]] = {}

    def __init__(self, client: Connection, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        folder = str((client.transport_options or {}).get("control_folder", ""))
        self.state = self._states.setdefault(folder, virtual.BrokerState())


def broker_connection(url: str | None, instance_dir: str | Path, **kwargs: Any) -> Connection:
    """A connection to `url`, or with no URL to the embedded broker under the instance dir."""
    if url:
        return Connection(url, **kwargs)
    embedded_url, options = embedded_broker(str(instance_dir))
    for key in ("data_folder_in", "control_folder", "processed_folder"):
        private_directory(Path(options[key]))
    return Connection(
        embedded_url, transport=EmbeddedTransport, transport_options=options, **kwargs
    )


def is_amqp(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("amqp://", "amqps://", "pyamqp://"))

"""One way for both parts to open a kombu connection: RabbitMQ, or the embedded broker.

kombu's filesystem transport keeps exchange bindings in a process-wide state object and
writes a binding's control file only when that state has not seen the binding yet. A process
that opens brokers in two instance directories (a test run, a bench) would then never write
the second directory's bindings, and messages would be dropped without an error. The
transport below keeps one state per control folder instead.
"""

from pathlib import Path
from typing import Any, ClassVar

from kombu import Connection
from kombu.transport import filesystem, virtual

from schemas.messages.topology import embedded_broker


class EmbeddedTransport(filesystem.Transport):
    """kombu's filesystem transport with its in-memory state kept per control folder."""

    _states: ClassVar[dict[str, virtual.BrokerState]] = {}

    def __init__(self, client: Connection, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        folder = str(client.transport_options.get("control_folder", ""))
        self.state = self._states.setdefault(folder, virtual.BrokerState())


def broker_connection(url: str | None, instance_dir: str | Path, **kwargs: Any) -> Connection:
    """A connection to `url`, or with no URL to the embedded broker under the instance dir."""
    if url:
        return Connection(url, **kwargs)
    embedded_url, options = embedded_broker(str(instance_dir))
    for key in ("data_folder_in", "control_folder", "processed_folder"):
        Path(options[key]).mkdir(parents=True, exist_ok=True)
    return Connection(
        embedded_url, transport=EmbeddedTransport, transport_options=options, **kwargs
    )


def is_amqp(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("amqp://", "amqps://", "pyamqp://"))

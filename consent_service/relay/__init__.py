"""The relay: what leaves the registry once committed, and what comes back, each a module.

- `outbox_publishing`: committed outbox messages to the broker, with confirms;
- `report_intake`: the mailer's run reports back into the campaign runs;
- `transfer_delivery`: queued direct transfers to their recipients.

`consent relay` (cli/workers.py) runs the first in its main thread and the other two in a
thread each, until SIGINT or SIGTERM.
"""

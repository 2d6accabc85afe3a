"""Sending campaign runs and confirmation emails: `sender.Sender` and the parts it is made of.

- `ports`: what the sender needs of the database, the clock, the throttle and a composer;
- `sender`: the loops of `mailer work`'s two sender threads (campaigns, confirmations);
- `batch`: one batch, from its claim to its close, at most once;
- `fence_gate`: the send-time fence, with its back-off while the registry cannot be asked;
- `lease`: keeping a batch's lease while it is held;
- `pace`: `MAILER_SEND_RATE` shared by both threads;
- `composers`: one composer per run while it is sent.
"""

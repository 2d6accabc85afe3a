"""The mailer's rules in plain Python: how events and snapshots change who may be mailed."""

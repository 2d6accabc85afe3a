"""Marshmallow schemas of every API body (`schemas.api`) and message (`schemas.messages`),
and the names of the broker topology the messages travel on.

Schemas only: code both parts share lives in `plumbing`, and nothing here imports the
registry or the mailer (tests/unit/test_layering.py).
"""

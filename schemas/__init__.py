"""Marshmallow schemas of every API body (`schemas.api`) and message (`schemas.messages`).

Shared by the registry and the mailer, which otherwise import nothing of each other.
"""

"""Thin adapters between the mailer's rules and the outside: database, broker, registry."""

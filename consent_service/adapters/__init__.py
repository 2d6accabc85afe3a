"""Thin adapters between the domain and the outside: database, broker, keys."""

"""Use cases: each runs inside one transaction that the caller opens and commits."""

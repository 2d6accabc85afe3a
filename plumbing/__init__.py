"""What the registry and the mailer share that is not a schema.

Infrastructure both use alike (JSON logs that mask addresses, database engines, UTC time
columns, the broker connection), the words both speak (`vocabulary`), and the code both must
run identically: link tokens, campaign templates, the catch-up digests. It imports neither
part nor `schemas`, so sharing it couples the two parts only in what they must agree on.
"""

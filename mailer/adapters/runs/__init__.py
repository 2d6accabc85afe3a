"""The SQL side of campaign runs: one store per concern, all in the caller's transaction.

`requests` records what the registry asks (runs, campaign states), `planning` fills a run's
send ledger and batches, `leases` hands batches to workers and closes them, `ledger` moves
the send ledger's rows, `reports` finds the runs with news. The rules they keep are in
`mailer.domain.runs` and `mailer.domain.send_ledger`; here they are WHERE clauses.

SQLAlchemy Core on the ORM's tables. Every state change of a ledger row or a batch names the
state it leaves in its WHERE clause, so a row can take each step once however many workers
try: the database, not the workers' timing, makes the send ledger at most once. On
PostgreSQL the rows a worker picks for itself are taken with FOR UPDATE SKIP LOCKED; SQLite
has no such thing and needs none, as every write transaction starts with BEGIN IMMEDIATE and
holds the whole database.
"""

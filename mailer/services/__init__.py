"""Use cases of the mailer, each run in one transaction of the caller."""

"""Infrastructure both parts use alike: JSON logs that mask addresses, database engines, UTC
time columns. It knows nothing of consent or mail, so sharing it couples the registry and the
mailer no more than sharing SQLAlchemy does."""

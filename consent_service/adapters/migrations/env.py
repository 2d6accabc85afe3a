"""Alembic environment: the URL comes from the caller (consent_service.adapters.schema)."""

from alembic import context
from sqlalchemy import pool

from consent_service.adapters.orm import Base
from plumbing.db import make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")
if url is None:
    raise RuntimeError("no sqlalchemy.url: migrate through consent_service.adapters.schema")

if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()

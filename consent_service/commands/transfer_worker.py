"""The relay's third thread: delivering queued direct transfers (decision 0013).

In the relay because it already runs wherever the registry does (one per SQLite instance,
any number on PostgreSQL, where transfers are claimed with SKIP LOCKED and a lease), and a
transfer, like an outbox row, is committed work waiting to leave the registry.
"""

import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from consent_service.adapters.export_requests import exporter_for
from consent_service.adapters.transfer_client import HttpPoster
from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.config import Settings
from consent_service.services.transfers import TransferWorker

POST_TIMEOUT_SECONDS = 10.0


def start_transfer_worker(
    settings: Settings, sessions: sessionmaker[Session], stop: Callable[[], bool]
) -> threading.Thread:
    worker = TransferWorker(
        SqlUnitOfWork(sessions),
        exporter_for(settings, sessions),
        HttpPoster(POST_TIMEOUT_SECONDS),
        production=settings.production,
    )
    thread = threading.Thread(target=worker.run, args=(stop,), name="transfers", daemon=True)
    thread.start()
    return thread

"""Databases and vhosts a benchmark makes for itself and removes at the end.

PostgreSQL is reached through an admin URL (`BENCH_PG_ADMIN_URL`, by default the development
machines' server at 127.0.0.1:5432, user postgres, trust auth); RabbitMQ at 127.0.0.1:5672 as
guest, its vhosts managed with `rabbitmqctl`.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterable

import psycopg
from psycopg import sql

from support.processes import require_tool

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
RABBIT = "amqp://guest:guest@127.0.0.1:5672/"
RABBITMQCTL = "the Debian package `rabbitmq-server` (apt-get install rabbitmq-server)"


def admin_url() -> str:
    return os.environ.get("BENCH_PG_ADMIN_URL", DEFAULT_ADMIN_URL)


def url_of(admin: str, name: str) -> str:
    """The plain postgresql:// URL of database `name` on the admin URL's server."""
    return f"{admin.rsplit('/', 1)[0]}/{name}"


def create_database(admin: str, name: str) -> str:
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url_of(admin, name)


def drop_database(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def scalar(url: str, query: str) -> int:
    """One number from the database; 0 while the table it reads does not exist yet."""
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            row = conn.execute(query).fetchone()
    except psycopg.Error:
        return 0
    return row[0] if row is not None else 0


def table_counts(url: str, tables: Iterable[str]) -> dict[str, int]:
    with psycopg.connect(url, connect_timeout=10) as conn:
        counts = {}
        for table in tables:
            query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            row = conn.execute(query).fetchone()
            assert row is not None  # count(*) answers one row
            counts[table] = row[0]
        return counts


class Resources:
    """Databases and a vhost made for this run, removed at the end whatever happens."""

    def __init__(self, admin: str | None = None) -> None:
        self.admin = admin or admin_url()
        self.databases: list[str] = []
        self.vhost = f"bench-{uuid.uuid4().hex[:8]}"
        self.has_vhost = False

    def database(self) -> str:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        url = create_database(self.admin, name)
        self.databases.append(name)
        return url

    def broker(self) -> str:
        rabbitmqctl = require_tool("rabbitmqctl", RABBITMQCTL)
        self.has_vhost = True
        for args in (
            ["add_vhost", self.vhost],
            ["set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*"],
        ):
            subprocess.run([rabbitmqctl, *args], check=True, capture_output=True)
        return RABBIT + self.vhost

    def close(self) -> None:
        if self.has_vhost:
            subprocess.run(
                ["rabbitmqctl", "delete_vhost", self.vhost], capture_output=True, check=False
            )
        for name in self.databases:
            drop_database(self.admin, name)

"""The machine's Redis (127.0.0.1:6379, or TEST_REDIS_URL) for the shared-state tests.

It is shared with other people's runs, so a test never flushes it: each test counts under
a client address of its own (`unique_client`) and deletes exactly the keys that name it.
"""

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from tests.databases import service_unavailable

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def reachable_redis() -> str:
    """The Redis URL, after a ping (skipped locally, failed in CI, when nothing answers)."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        service_unavailable("Redis", str(error))
    finally:
        client.close()
    return REDIS_URL


@contextmanager
def unique_client() -> Iterator[str]:
    """A documentation-range IPv6 address no other run uses; its counters deleted after."""
    address = "2001:db8::" + ":".join(f"{random.getrandbits(16):x}" for _ in range(3))
    try:
        yield address
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        try:
            keys = list(client.scan_iter(match=f"*{address}*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()

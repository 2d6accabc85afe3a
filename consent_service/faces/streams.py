"""Answers streamed from one snapshot transaction: a report of millions of rows.

The transaction is opened, and the first chunk made, before the answer starts: a query the
database refuses is still a whole problem document, never a 200 cut short. From then on the
transaction lives as long as the download. It ends when the last chunk is sent, or when the
server closes the answer because the client went away (PEP 3333: the server calls the body's
`close()`, which werkzeug passes to `call_on_close` and to the generator): either way the
connection goes back to the pool at once, not when the worker next collects garbage.

gunicorn's sync worker counts a worker that has not reported for `timeout` seconds as hung
and kills it, and a worker reports only between requests: a long download would be killed
part way. `keep_alive` is the worker's report (installed by gunicorn_hooks.py) and is called
between chunks, at most once a second; a client that stops reading blocks the worker in
`send`, does not report, and is cut off after `timeout` as before.
"""

import itertools
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack

from flask import Response

from consent_service.adapters.repository import SqlRepository
from consent_service.faces.transactions import snapshot

KEEP_ALIVE_SECONDS = 1.0
_keep_alive: list[Callable[[], None]] = []


def keep_alive_with(report: Callable[[], None]) -> None:
    """The server's way to hear that this process is still working (gunicorn_hooks.py)."""
    _keep_alive[:] = [report]


def streamed(
    chunks_of: Callable[[SqlRepository], Generator[bytes]],
    mimetype: str,
    filename: str,
    headers_of: Callable[[SqlRepository], dict[str, str]] | None = None,
) -> Response:
    """An attachment whose chunks are made in one snapshot transaction, as they are sent;
    `headers_of` adds headers read in the same snapshot (the number of rows to come)."""
    release = ExitStack()
    try:
        registry = release.enter_context(snapshot())
        headers = headers_of(registry) if headers_of is not None else {}
        chunks = chunks_of(registry)
        release.callback(chunks.close)  # first, so the cursor closes before the transaction
        first = next(chunks, b"")
    except BaseException:
        release.close()
        raise
    response = Response(
        _sent(itertools.chain([first], chunks), release), mimetype=mimetype, direct_passthrough=True
    )
    response.call_on_close(release.close)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers)
    return response


def _sent(chunks: Iterator[bytes], release: ExitStack) -> Iterator[bytes]:
    reported = time.monotonic()
    try:
        for chunk in chunks:
            if chunk:
                yield chunk
            if _keep_alive and time.monotonic() - reported >= KEEP_ALIVE_SECONDS:
                _keep_alive[0]()
                reported = time.monotonic()
    finally:
        release.close()

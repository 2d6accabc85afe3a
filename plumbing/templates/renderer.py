"""Rendering marketing's templates in a child process, within a time, memory and output budget.

A template is a program: a nested loop runs for hours, a filter with a large argument fills
the memory, a short template prints megabytes. Python cannot stop a thread that is busy in
one long C call (`'x'|center(10**9)`), so the templates run in a child process that the
caller can kill. The child renders with `generate()` and counts the output between chunks,
giving up once a message is over `max_bytes` or its time is up; its address space is capped,
so a large value ends in `MemoryError`; and a message that does not come back within its
time (a loop that prints nothing) is ended with SIGKILL and the child replaced. Each refusal
says which part and why (decision 0018).

One child serves one `TemplateRenderer` for its whole life and keeps the templates it
compiled (by a digest of the source). A request carries many messages (a batch's distinct
renders), so a batch costs one round trip. Before each part the child writes `@<part>`, which
is how the caller knows whom to blame, and when a message began, if it has to kill it.

This module is the caller's side; `plumbing/templates/worker.py` is the child's.
"""

import atexit
import hashlib
import json
import os
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from plumbing.templates.worker import CACHE_SIZE, too_slow

RENDER_SECONDS = 2.0
"""The time one message's parts may take to render, together."""

MAX_MESSAGE_BYTES = 1_000_000
"""The most one rendered message (subject, HTML and text, UTF-8) may weigh."""

MEMORY_BYTES = 512 * 2**20
"""How much memory the child may take beyond what it holds when it starts."""

ANSWER_BYTES = 32 * 2**20
"""An answer stops after the message that takes it past this (so that neither process holds
a batch of large messages at once); the caller asks for the rest."""

START_SECONDS = 30.0
GRACE_SECONDS = 1.0
"""How much longer than a message's budget the caller waits before it kills the child
(compiling the request's templates comes before the first budget starts)."""

CHILD_ENVIRONMENT = ("PATH", "PYTHONPATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ")
"""All the child gets of the environment: it needs no secret, so a sandbox escape finds none."""


class RendererUnavailable(RuntimeError):
    """The child process cannot be started: the machine's fault, not the template's."""


class RenderFailed(Exception):
    """A render did not succeed; `part` is the index of the part it failed in, if known."""

    def __init__(self, reason: str, part: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.part = part


@dataclass(frozen=True)
class Part:
    """One template to render: its source, whether it is HTML, and its variables."""

    source: str
    html: bool
    context: Mapping[str, str]
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", _key(self.source, self.html))


@lru_cache(maxsize=CACHE_SIZE)
def _key(source: str, html: bool) -> str:
    """A digest of the template, which names it to the child (cached: a batch makes the
    same parts again and again, and a string keeps its hash)."""
    return hashlib.sha256(f"{int(html)}:{source}".encode()).hexdigest()[:32]


class TemplateRenderer:
    """Renders messages in a child process within the budgets; thread-safe, one request at
    a time. The child starts on first use and again after it had to be killed."""

    def __init__(
        self,
        *,
        seconds: float = RENDER_SECONDS,
        max_bytes: int = MAX_MESSAGE_BYTES,
        memory: int = MEMORY_BYTES,
        answer_bytes: int = ANSWER_BYTES,
    ) -> None:
        self.seconds = seconds
        self.max_bytes = max_bytes
        self.memory = memory
        self.answer_bytes = answer_bytes
        self._child: _Child | None = None
        self._lock = threading.Lock()

    def render(self, parts: Sequence[Part]) -> list[str]:
        """One message's parts rendered, in order; RenderFailed if one cannot be."""
        return self.render_many([parts])[0]

    def render_many(self, messages: Sequence[Sequence[Part]]) -> list[list[str]]:
        """Each message's parts rendered, in order; RenderFailed for the first that cannot
        be within the budget (each message has the whole budget)."""
        rendered: list[list[str]] = []
        with self._lock:
            while len(rendered) < len(messages):
                rendered += self._request(messages[len(rendered) :])
        return rendered

    def close(self) -> None:
        with self._lock:
            if self._child is not None:
                self._child.close()
                self._child = None

    def _request(self, messages: Sequence[Sequence[Part]]) -> list[list[str]]:
        child = self._child or self._start()
        answer = self._exchange(child, messages)
        if answer.get("missing"):  # the child forgot some: send every source again
            child.known.clear()
            answer = self._exchange(child, messages)
        if "rendered" in answer:
            return answer["rendered"]
        raise RenderFailed(answer["reason"], answer.get("part"))

    @staticmethod
    def _texts(child: "_Child", lengths: list[list[int]], deadline: float) -> list[list[str]]:
        """The rendered texts that follow an answer's header, raw UTF-8 of the lengths given
        (JSON would cost more than the rendering: they are mostly long literal text)."""
        data = child.receive_bytes(sum(map(sum, lengths)), deadline)
        texts: list[list[str]] = []
        start = 0
        for message in lengths:
            texts.append([])
            for length in message:
                texts[-1].append(data[start : start + length].decode("utf-8", "surrogatepass"))
                start += length
        return texts

    def _start(self) -> "_Child":
        child = _Child(self.memory)
        try:
            ready = child.receive(time.monotonic() + START_SECONDS)
        except EOFError:
            ready = None
        if not isinstance(ready, dict) or not ready.get("ready"):
            child.kill()
            raise RendererUnavailable("the template renderer did not start")
        self._child = child
        return child

    def _exchange(self, child: "_Child", messages: Sequence[Sequence[Part]]) -> dict[str, Any]:
        templates = {
            part.key: {"source": part.source, "html": part.html}
            for parts in messages
            for part in parts
            if part.key not in child.known
        }
        request = {
            "seconds": self.seconds,
            "max_bytes": self.max_bytes,
            "answer_bytes": self.answer_bytes,
            "templates": templates,
            "messages": [
                [{"key": part.key, "context": dict(part.context)} for part in parts]
                for parts in messages
            ],
        }
        deadline = time.monotonic() + self.seconds + GRACE_SECONDS
        part = None
        try:
            child.send(request)
            child.known.update(templates)
            while (answer := child.receive(deadline)) is not None:
                if isinstance(answer, dict) and "rendered" in answer:
                    return {"rendered": self._texts(child, answer["rendered"], deadline)}
                if not isinstance(answer, int):
                    return answer
                part = answer
                if part == 0:  # a message begins: it has the whole budget
                    deadline = time.monotonic() + self.seconds + GRACE_SECONDS
        except (EOFError, OSError, ValueError):
            self._lost(child)
            raise RenderFailed("the template renderer stopped while rendering", part) from None
        except TimeoutError:
            pass
        self._lost(child)
        raise RenderFailed(too_slow(self.seconds), part)

    def _lost(self, child: "_Child") -> None:
        child.kill()
        self._child = None


class _Child:
    """The child process and the protocol to it: one JSON object per line, except that an
    answer's rendered texts follow its line as raw bytes."""

    def __init__(self, memory: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "plumbing.templates.worker", str(memory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={name: os.environ[name] for name in CHILD_ENVIRONMENT if name in os.environ},
        )
        self.known: set[str] = set()
        """Keys of the templates sent to this child (it may have forgotten some since)."""
        self._buffer = bytearray()
        self._scanned = 0
        self._selector = selectors.DefaultSelector()
        assert self.process.stdout is not None
        self._selector.register(self.process.stdout, selectors.EVENT_READ)

    def send(self, message: dict[str, Any]) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(json.dumps(message).encode() + b"\n")
        stdin.flush()

    def receive(self, deadline: float) -> dict[str, Any] | int | None:
        """The next line (an int for "at part n"), or None if the deadline passed first;
        EOFError if the child died."""
        while (end := self._buffer.find(b"\n", self._scanned)) == -1:
            self._scanned = len(self._buffer)
            if not self._read(deadline):
                return None
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        self._scanned = 0
        return int(line[1:]) if line.startswith(b"@") else json.loads(line)

    def receive_bytes(self, count: int, deadline: float) -> bytes:
        """The next `count` bytes; TimeoutError if the deadline passes first."""
        while len(self._buffer) < count:
            if not self._read(deadline):
                raise TimeoutError
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def _read(self, deadline: float) -> bool:
        wait = deadline - time.monotonic()
        if wait <= 0 or not self._selector.select(wait):
            return False
        assert self.process.stdout is not None
        chunk = os.read(self.process.stdout.fileno(), 1 << 20)
        if not chunk:
            raise EOFError
        self._buffer += chunk
        return True

    def kill(self) -> None:
        self.process.kill()
        self.close()

    def close(self) -> None:
        self._selector.close()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_shared: tuple[int, TemplateRenderer] | None = None
_shared_lock = threading.Lock()


def shared_renderer() -> TemplateRenderer:
    """This process's renderer with the standard budgets (a forked process gets its own)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared[0] != os.getpid():
            renderer = TemplateRenderer()
            atexit.register(renderer.close)
            _shared = (os.getpid(), renderer)
        return _shared[1]

"""Rendering marketing's templates in a child process, within a time, memory and output budget.

A template is a program: a nested loop runs for hours, a filter with a large argument fills
the memory, a short template prints megabytes. Python cannot stop a thread that is busy in
one long C call (`'x' * 10**9`, `'x'|center(10**9)`), so the templates run in a child
process that the caller can kill. The child renders with `generate()` and counts the
output between chunks, giving up once the message is over `max_bytes` or the time is up;
its address space is capped, so a large value ends in `MemoryError`; and a render that does
not answer within its time (a loop that prints nothing) is ended with SIGKILL and the child
replaced. Each refusal says which part and why (decision 0018).

One child serves one `TemplateRenderer` for its whole life and keeps the templates it
compiled (by a digest of the source), so a run's batches cost one round trip per render.
"""

import atexit
import hashlib
import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

RENDER_SECONDS = 2.0
"""The time one message's parts may take to render, together."""

MAX_MESSAGE_BYTES = 1_000_000
"""The most one rendered message (subject, HTML and text, UTF-8) may weigh."""

MEMORY_BYTES = 512 * 2**20
"""How much memory the child may take beyond what it holds when it starts."""

START_SECONDS = 30.0
GRACE_SECONDS = 1.0
"""How much longer than the budget the caller waits for an answer before it kills the child
(compiling a template comes before its budget starts)."""

CACHE_SIZE = 64


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

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{int(self.html)}:{self.source}".encode()).hexdigest()[:32]


class _Child:
    def __init__(self, memory: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(memory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.known: set[str] = set()
        self._buffer = b""
        self._selector = selectors.DefaultSelector()
        assert self.process.stdout is not None
        self._selector.register(self.process.stdout, selectors.EVENT_READ)

    def send(self, message: dict[str, Any]) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(json.dumps(message).encode() + b"\n")
        stdin.flush()

    def receive(self, deadline: float) -> dict[str, Any] | None:
        """The next message, or None if the deadline passed first; EOFError if it died."""
        while b"\n" not in self._buffer:
            wait = deadline - time.monotonic()
            if wait <= 0 or not self._selector.select(wait):
                return None
            assert self.process.stdout is not None
            chunk = os.read(self.process.stdout.fileno(), 1 << 20)
            if not chunk:
                raise EOFError
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

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


class TemplateRenderer:
    """Renders parts in a child process within the budgets; thread-safe, one render at a
    time. The child starts on first use and again after it had to be killed."""

    def __init__(
        self,
        *,
        seconds: float = RENDER_SECONDS,
        max_bytes: int = MAX_MESSAGE_BYTES,
        memory: int = MEMORY_BYTES,
    ) -> None:
        self.seconds = seconds
        self.max_bytes = max_bytes
        self.memory = memory
        self._child: _Child | None = None
        self._lock = threading.Lock()

    def render(self, parts: Sequence[Part]) -> list[str]:
        """Each part rendered, in order; RenderFailed when one cannot be within budget."""
        with self._lock:
            child = self._child or self._start()
            answer = self._exchange(child, parts)
            if answer.get("missing"):  # the child does not hold them all: send every source
                child.known.difference_update(part.key for part in parts)
                answer = self._exchange(child, parts)
        if "rendered" in answer:
            return list(answer["rendered"])
        raise RenderFailed(
            answer.get("reason", "the template could not be rendered"), answer.get("part")
        )

    def close(self) -> None:
        with self._lock:
            if self._child is not None:
                self._child.close()
                self._child = None

    def _start(self) -> _Child:
        child = _Child(self.memory)
        try:
            ready = child.receive(time.monotonic() + START_SECONDS)
        except EOFError:
            ready = None
        if not ready or not ready.get("ready"):
            child.kill()
            raise RenderFailed("the template renderer did not start")
        self._child = child
        return child

    def _exchange(self, child: _Child, parts: Sequence[Part]) -> dict[str, Any]:
        keys = [part.key for part in parts]
        request = {
            "seconds": self.seconds,
            "max_bytes": self.max_bytes,
            "parts": [
                {
                    "key": key,
                    "html": part.html,
                    "context": dict(part.context),
                    "source": None if key in child.known else part.source,
                }
                for key, part in zip(keys, parts, strict=True)
            ],
        }
        deadline = time.monotonic() + self.seconds + GRACE_SECONDS
        part = None
        try:
            child.send(request)
            child.known.update(keys)
            while (answer := child.receive(deadline)) is not None:
                if set(answer) != {"part"}:
                    return answer
                part = answer["part"]
        except (EOFError, OSError, ValueError):
            self._lost(child)
            raise RenderFailed("the template renderer stopped while rendering", part) from None
        self._lost(child)
        raise RenderFailed(_too_slow(self.seconds), part)

    def _lost(self, child: _Child) -> None:
        child.kill()
        self._child = None


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


# The child.


def main(argv: Sequence[str]) -> None:
    """Answer render requests on stdin, one JSON line each, until stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent; it closes us
    memory = int(argv[0])
    _limit_memory(memory)
    worker = _Worker(sys.stdout.buffer, memory)
    worker.write({"ready": True})
    for line in sys.stdin.buffer:
        try:
            answer = worker.render(json.loads(line))
        except MemoryError:
            answer = {"reason": worker.too_much_memory}
        worker.write(answer)


class _Worker:
    """The child's side: compiled templates by key, and the streaming render."""

    def __init__(self, out: IO[bytes], memory: int) -> None:
        from schemas.email_templates import environment  # after the memory cap, like all else

        self.environments = {html: environment(html=html) for html in (False, True)}
        self.compiled: OrderedDict[str, Any] = OrderedDict()
        self.out = out
        self.too_much_memory = f"rendering needs more than {memory // 2**20} MB of memory"

    def write(self, message: dict[str, Any]) -> None:
        self.out.write(json.dumps(message).encode() + b"\n")
        self.out.flush()

    def render(self, request: dict[str, Any]) -> dict[str, Any]:
        """Render the parts in order, within the request's budget, saying which part is
        being rendered before each (the parent names it if it has to kill us)."""
        parts = request["parts"]
        if any(p["source"] is None and p["key"] not in self.compiled for p in parts):
            return {"missing": True}
        max_bytes, seconds = request["max_bytes"], request["seconds"]
        deadline = time.monotonic() + seconds
        rendered: list[str] = []
        length = 0
        for index, part in enumerate(parts):
            self.write({"part": index})
            chunks = []
            try:
                for chunk in self._template(part).generate(part["context"]):
                    length += len(chunk)  # characters: never more than the bytes
                    if length > max_bytes:
                        return {"part": index, "reason": _too_large(max_bytes)}
                    if time.monotonic() > deadline:
                        return {"part": index, "reason": _too_slow(seconds)}
                    chunks.append(chunk)
            except MemoryError:
                return {"part": index, "reason": self.too_much_memory}
            # Marketing writes these templates: any error in one is the content's.
            except Exception as error:  # noqa: BLE001
                return {"part": index, "reason": f"{type(error).__name__}: {error}"}
            rendered.append("".join(chunks))
        if sum(len(text.encode("utf-8", "surrogatepass")) for text in rendered) > max_bytes:
            return {"reason": _too_large(max_bytes)}
        return {"rendered": rendered}

    def _template(self, part: dict[str, Any]) -> Any:
        key = part["key"]
        template = self.compiled.get(key)
        if template is None:
            template = self.environments[part["html"]].from_string(part["source"])
            self.compiled[key] = template
            while len(self.compiled) > CACHE_SIZE:
                self.compiled.popitem(last=False)
        self.compiled.move_to_end(key)
        return template


def _too_large(max_bytes: int) -> str:
    return f"the rendered message is larger than {max_bytes:,} bytes"


def _too_slow(seconds: float) -> str:
    return f"rendering took longer than {seconds:g} s"


def _limit_memory(extra: int) -> None:
    """Cap the address space at what the child holds now plus `extra` (Linux; elsewhere the
    time budget alone stops a runaway template)."""
    try:
        with open("/proc/self/statm") as statm:
            held = int(statm.read().split()[0]) * resource.getpagesize()
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = held + extra if hard == resource.RLIM_INFINITY else min(held + extra, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError):
        return


if __name__ == "__main__":
    main(sys.argv[1:])

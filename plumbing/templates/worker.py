"""The renderer's child process: `python -m plumbing.templates.worker <memory bytes>`.

It caps its own address space, then answers render requests from its caller
(`plumbing/templates/renderer.py`, which describes the protocol and the budgets) on stdin,
one JSON line each, until stdin closes. It keeps the templates it compiled by their key,
renders with `generate()` so that it can count the output and watch the clock between
chunks, and writes `@<part>` before each part so that its caller can tell where it was if it
has to kill it. Imports stay light: the caller imports `too_slow` from here.
"""

import json
import resource
import signal
import sys
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import IO, Any

CACHE_SIZE = 64
"""Templates the child keeps compiled (and the caller keeps digests of)."""


def main(argv: Sequence[str]) -> None:
    """Answer render requests on stdin, one JSON line each, until stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent; it closes us
    memory = int(argv[0])
    _limit_memory(memory)
    worker = _Worker(sys.stdout.buffer, memory)
    worker.write({"ready": True})
    for line in sys.stdin.buffer:
        try:
            answer = worker.answer(json.loads(line))
        except MemoryError:
            answer = {"reason": worker.too_much_memory}
        if isinstance(answer, dict):
            worker.write(answer)
        else:
            worker.write({"rendered": [[len(text) for text in texts] for texts in answer]})
            worker.out.write(b"".join(text for texts in answer for text in texts))
            worker.out.flush()


class _Worker:
    """The child's side: compiled templates by key, and the streaming render."""

    def __init__(self, out: IO[bytes], memory: int) -> None:
        from plumbing.templates.campaigns import environment  # after the memory cap, like all else

        self.environments = {html: environment(html=html) for html in (False, True)}
        self.compiled: OrderedDict[str, Any] = OrderedDict()
        self.out = out
        self.too_much_memory = f"rendering needs more than {memory // 2**20} MB of memory"

    def write(self, message: dict[str, Any]) -> None:
        self.out.write(json.dumps(message).encode() + b"\n")
        self.out.flush()

    def answer(self, request: dict[str, Any]) -> list[list[bytes]] | dict[str, Any]:
        """The request's messages rendered, UTF-8 (as many as fit in one answer), or the
        first failure with its part."""
        keys = {part["key"] for message in request["messages"] for part in message}
        if not keys <= set(self.compiled) | set(request["templates"]):
            return {"missing": True}
        for key, template in request["templates"].items():
            try:
                self._compile(key, template["source"], template["html"])
            except Exception as error:  # noqa: BLE001 - the content's error, not ours
                part = next(
                    i for m in request["messages"] for i, p in enumerate(m) if p["key"] == key
                )
                return {"part": part, "reason": f"{type(error).__name__}: {error}"}
        rendered: list[list[bytes]] = []
        size = 0
        for message in request["messages"]:
            texts = self._render(message, request["seconds"], request["max_bytes"])
            if isinstance(texts, dict):
                return texts
            rendered.append(texts)
            size += sum(len(text) for text in texts)
            if size > request["answer_bytes"]:
                break
        return rendered

    def _render(
        self, message: list[dict[str, Any]], seconds: float, max_bytes: int
    ) -> list[bytes] | dict[str, Any]:
        """One message's parts, or why not: within `seconds`, at most `max_bytes` together.
        Before each part it says which it is at, for the caller that may have to kill it."""
        deadline = time.monotonic() + seconds
        texts: list[bytes] = []
        length = 0
        for index, part in enumerate(message):
            self.out.write(b"@%d\n" % index)
            self.out.flush()
            chunks = []
            try:
                template = self.compiled[part["key"]]
                for chunk in template.generate(part["context"]):
                    length += len(chunk)  # characters: never more than the bytes
                    if length > max_bytes:
                        return {"part": index, "reason": _too_large(max_bytes)}
                    if time.monotonic() > deadline:
                        return {"part": index, "reason": too_slow(seconds)}
                    chunks.append(chunk)
            except MemoryError:
                return {"part": index, "reason": self.too_much_memory}
            # Marketing writes these templates: any error in one is the content's.
            except Exception as error:  # noqa: BLE001
                return {"part": index, "reason": f"{type(error).__name__}: {error}"}
            texts.append("".join(chunks).encode("utf-8", "surrogatepass"))
        if sum(map(len, texts)) > max_bytes:
            return {"reason": _too_large(max_bytes)}
        return texts

    def _compile(self, key: str, source: str, html: bool) -> None:
        if key not in self.compiled:
            self.compiled[key] = self.environments[html].from_string(source)
        self.compiled.move_to_end(key)
        while len(self.compiled) > CACHE_SIZE:
            self.compiled.popitem(last=False)


def _too_large(max_bytes: int) -> str:
    return f"the rendered message is larger than {max_bytes:,} bytes"


def too_slow(seconds: float) -> str:
    """The reason a message took too long, in the same words from either side."""
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

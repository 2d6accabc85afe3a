"""What changed between two texts of a policy, line by line and, in a changed line, word by word.

A policy paragraph is usually one long line, so a line diff alone would mark a whole paragraph
removed and added again for one word; where a run of lines is replaced by as many lines, each
pair is compared word by word instead. Unchanged lines far from any change are left out, as
a unified diff leaves them out, so the page shows the changes and a little around them.
"""

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum

CONTEXT = 2
"""Unchanged lines shown around a change."""
_WORDS = re.compile(r"\s+|[^\s]+")


class Change(StrEnum):
    SAME = "same"
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class Piece:
    """Part of a changed line: words kept, added or removed."""

    change: Change
    text: str


@dataclass(frozen=True)
class Line:
    change: Change
    pieces: tuple[Piece, ...]


Hunk = tuple[Line, ...]


def _whole(change: Change, text: str) -> Line:
    return Line(change, (Piece(change, text),))


def _words(old: str, new: str) -> Line:
    before, after = _WORDS.findall(old), _WORDS.findall(new)
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(Piece(Change.SAME, "".join(before[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece(Change.REMOVED, "".join(before[i1:i2])))
        if j2 > j1:
            pieces.append(Piece(Change.ADDED, "".join(after[j1:j2])))
    return Line(Change.CHANGED, tuple(pieces))


def _lines(tag: str, old: list[str], new: list[str]) -> list[Line]:
    if tag == "equal":
        return [_whole(Change.SAME, line) for line in new]
    if tag == "replace" and len(old) == len(new):
        return [_words(before, after) for before, after in zip(old, new, strict=True)]
    return [_whole(Change.REMOVED, line) for line in old] + [
        _whole(Change.ADDED, line) for line in new
    ]


def compare(old: str, new: str) -> list[Hunk]:
    """The changes from `old` to `new`, as groups of lines with a little context each; an
    empty list when the texts have the same lines."""
    before, after = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return [
        tuple(
            line
            for tag, i1, i2, j1, j2 in group
            for line in _lines(tag, before[i1:i2], after[j1:j2])
        )
        for group in matcher.get_grouped_opcodes(CONTEXT)
        if any(tag != "equal" for tag, *_ in group)
    ]

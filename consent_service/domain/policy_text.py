"""Reading a policy document written as plain text into headed sections.

Policies are stored exactly as the shop wrote them (a version is never edited, so its text
must stay provable byte for byte); the page only gives that text a structure. The shop's
Kyrgyz original has no blank lines, so structure comes from the lines themselves: a short
line that does not end like a sentence is a heading, `1) ...` starts a list item, and a line
in brackets right after an item explains that item.
"""

import re
from dataclasses import dataclass, field

_ITEM = re.compile(r"\d+[).]\s+")
_SENTENCE_END = (".", ":", ";", ",")
HEADING_MAX = 90


@dataclass
class Block:
    kind: str  # "paragraph" or "list"
    lines: list[str] = field(default_factory=list)


@dataclass
class Section:
    heading: str
    blocks: list[Block] = field(default_factory=list)


def _is_heading(line: str) -> bool:
    return (
        len(line) <= HEADING_MAX
        and not line.endswith(_SENTENCE_END)
        and not _ITEM.match(line)
        and not line.startswith("(")
    )


def sections(text: str) -> list[Section]:
    found: list[Section] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if _is_heading(line):
            found.append(Section(heading=line))
            continue
        if not found:
            found.append(Section(heading=""))
        blocks = found[-1].blocks
        last = blocks[-1] if blocks else None
        if _ITEM.match(line):
            item = _ITEM.sub("", line, count=1)
            if last is not None and last.kind == "list":
                last.lines.append(item)
            else:
                blocks.append(Block("list", [item]))
        elif line.startswith("(") and last is not None and last.kind == "list":
            last.lines[-1] += " " + line
        else:
            blocks.append(Block("paragraph", [line]))
    return found

"""Reading an import file (docs/import.md), for `consent import` and the console's upload.

The whole file is read once first, so a file that is not UTF-8 or not CSV, or whose header
is not an import's, is refused before anything is written; then its rows are read again,
each with its line number.
"""

import csv
from collections.abc import Callable, Iterator
from typing import IO

from consent_service.domain.import_rows import header_problems
from consent_service.services.importing import RawRow

Opener = Callable[[], IO[str]]
"""Opens the file as text, afresh each time (`newline=""`, as the csv module wants)."""


class FileRefused(Exception):
    """The file as a whole cannot be imported; nothing was written."""


class NotCsv(FileRefused):
    """Not UTF-8, or not CSV."""


class BadHeader(FileRefused):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def check(open_text: Opener) -> tuple[list[str], int]:
    """The header and the number of data rows."""
    try:
        with open_text() as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            count = sum(1 for row in reader if row)
    except (UnicodeDecodeError, csv.Error) as error:
        raise NotCsv(str(error)) from None
    problems = header_problems(header)
    if problems:
        raise BadHeader(problems)
    assert header is not None
    return [column.strip() for column in header], count


def numbered_rows(open_text: Opener, header: list[str]) -> Iterator[tuple[int, RawRow]]:
    """Each row with its line number (where it ends, for a value spanning lines)."""
    with open_text() as handle:
        reader = csv.DictReader(handle, fieldnames=header)
        next(reader)  # the header row itself
        for row in reader:
            yield reader.line_num, row

"""Files that may hold personal data or secrets, readable by the service's user alone.

The instance directory holds the embedded databases, the broker's messages, the outbox of
`.eml` files and the generated secret: each is created 0700 (directories) or 0600 (files),
whatever the umask, so another account on the machine reads none of it.
"""

import contextlib
import os
from pathlib import Path

PRIVATE_DIRECTORY = 0o700
PRIVATE_FILE = 0o600


def private_directory(path: Path) -> Path:
    """Create `path` (and missing parents) as 0700 directories; an existing one is left as
    it is, since it may be a directory the operator shares on purpose."""
    missing = []
    for directory in (path, *path.parents):
        if directory.exists():
            break
        missing.append(directory)
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIRECTORY)
        except FileExistsError:
            continue  # another process made it first
        os.chmod(directory, PRIVATE_DIRECTORY)  # mkdir's mode is narrowed by the umask only
    if not path.is_dir():
        raise NotADirectoryError(f"{path} exists and is not a directory")
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty as 0600 unless it exists. One that exists and is ours is made 0600
    too, so an instance made by an older release is closed on its next start; where that is
    not possible (a read-only mount) it is left as it is."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        with contextlib.suppress(OSError):
            if path.stat().st_uid == os.geteuid():
                os.chmod(path, PRIVATE_FILE)
        return path
    os.fchmod(fd, PRIVATE_FILE)  # the umask may have narrowed it further
    os.close(fd)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a new file `path` (which must not exist) readable by this user alone."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)

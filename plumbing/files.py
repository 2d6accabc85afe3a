"""Files that may hold personal data or secrets, readable by the service's user alone.

The instance directory holds the embedded databases, the broker's messages, the outbox of
`.eml` files and the generated secret: each is created 0700 (directories) or 0600 (files),
whatever the umask, so another account on the machine reads none of it.
"""

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
    """Create `path` empty as 0600 unless it exists; one that exists and is ours is made
    0600 too, so an instance made by an older release is closed on its next start."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    try:
        if os.fstat(fd).st_uid == os.geteuid():
            os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a new file `path` (which must not exist) readable by this user alone."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)

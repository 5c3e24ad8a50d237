"""Files and folders seatwatch creates for its state: owner-only, whatever the umask.

The store holds every subscriber's address and the lock file names the daemon's pid; the
secret file signs unsubscribe links. None of them is anyone else's business, so each is
created 0600 and each folder seatwatch creates for them 0700 (``os.open``/``mkdir`` modes
are cut by the umask, and a umask may also be looser than ours; the mode is set afterwards
too). Files and folders that exist already are left as the operator made them.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(folder: Path) -> None:
    """Create ``folder`` and any missing parents owner-only (0700); existing ones untouched."""
    missing: list[Path] = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue  # created by another process meanwhile: theirs to keep
        os.chmod(path, FOLDER_MODE)


def private_file(path: Path) -> bool:
    """Create ``path`` empty and owner-only (0600) unless it exists; True if created here.

    SQLite gives a database's ``-wal`` and ``-shm`` files the mode of the database file, so
    creating the store file this way before SQLite opens it makes those owner-only too.
    """
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return True


def write_private(path: Path, text: str) -> bool:
    """Write ``text`` to a new owner-only file at ``path``, all of it or nothing; False (and
    nothing written) when ``path`` exists already, so two processes agree on one content."""
    private_folder(path.parent)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        # link() fails if the name exists: the first writer wins, and a reader never sees a
        # half-written file.
        os.link(partial, path)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: create it exclusively instead
        if not private_file(path):
            return False
        path.write_text(text, encoding="utf-8")
    finally:
        partial.unlink()
    return True

"""Atomic file output: write to a temporary file beside the target, then rename.

A job killed half-way leaves at most a stray temporary file, never a truncated
output that a later run could take as complete.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: The mark in every temporary file's name, ``.<target>.<8 random characters>.<mark><suffix>``:
#: a name no user would choose, so that a clean-up deletes only files this project wrote
#: (:func:`initstudy.util.lock.remove_stale_temporaries`).
TEMPORARY_MARK = "initstudy-partial"
#: A temporary file's name: the target's name, mkstemp's random part, the mark and a suffix.
TEMPORARY_NAME = re.compile(rf"\.(?P<target>.+)\.[a-z0-9_]{{8}}\.{TEMPORARY_MARK}\.[A-Za-z0-9]+\Z")


@contextmanager
def atomic_path(path: str | Path, suffix: str = "") -> Iterator[str]:
    """Yield a temporary path in the target's folder; rename it onto ``path`` on success.

    Parameters
    ----------
    path : str or Path
        Final destination. Its folder is created if missing.
    suffix : str
        Suffix of the temporary file (some writers, e.g. ``numpy.savez``, add
        their own extension unless the name already ends with it).

    Yields
    ------
    str
        Temporary file name to write to.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=f".{TEMPORARY_MARK}{suffix or '.tmp'}"
    )
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        # mkstemp creates the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8, ``\\n`` line ends).

    Parameters
    ----------
    path : str or Path
    text : str
    """
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)

"""A content hash of the code a run used, for reports that came from no git checkout."""

from __future__ import annotations

import hashlib
from pathlib import Path

#: Files of a source tree that are not source: bytecode and numba's compiled kernels.
_NOT_SOURCE = (".pyc", ".nbi", ".nbc")


def source_fingerprint(roots: dict[str, str | Path]) -> str:
    """A content hash of source trees, the same wherever a copy of them lies.

    The SHA-256 of every file's path (under its root's name) and bytes, in
    sorted order; caches (``__pycache__``, bytecode, numba's kernels) are left
    out. Two runs with equal fingerprints ran the same workflow and library
    code, whether or not either came from a git checkout.

    Parameters
    ----------
    roots : dict
        Name -> folder, e.g. ``{"workflow": ".../workflow", "initstudy": ".../initstudy"}``.

    Returns
    -------
    str
        The first 16 hexadecimal digits of the hash.
    """
    digest = hashlib.sha256()
    for name, root in sorted(roots.items()):
        root = Path(root)
        files = (
            path
            for path in root.rglob("*")
            if path.is_file()
            and "__pycache__" not in path.relative_to(root).parts
            and path.suffix not in _NOT_SOURCE
        )
        for path in sorted(files, key=lambda path: path.relative_to(root).as_posix()):
            relative = f"{name}/{path.relative_to(root).as_posix()}"
            digest.update(relative.encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]

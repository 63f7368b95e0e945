"""numba's on-disk cache of the kernels, made stale by an edit to any of their sources.

numba keys a cached function on its own bytecode and its own source file, not on
the functions it compiles in from other modules: after an edit to
``kernel_numba_tanh.py`` alone, the cached training kernel (``kernel_numba.py``,
unchanged) kept the old ``tanh``, and the workflow's training jobs, which rerun
for the edit, trained with the old code. Nor is it keyed on LLVM's options
(:mod:`initstudy.model.kernel_numba_build`).

:func:`cache_with_all_sources` puts locators in front of numba's own: a function
defined in a kernel module (a file named ``kernel_numba*.py``) is cached where
numba would cache it, but stamped with the contents of every kernel module beside
it and with LLVM's vectorizer options, so that an edit to any of them compiles
every kernel again at its next call. Other functions keep numba's locators.
"""

from __future__ import annotations

import functools
import hashlib
from fnmatch import fnmatch
from pathlib import Path

from numba.core.caching import (
    CacheImpl,
    InTreeCacheLocator,
    UserProvidedCacheLocator,
    UserWideCacheLocator,
)

from initstudy.model.kernel_numba_build import VECTORIZER_OPTIONS

#: The kernel modules: every file of this pattern in one directory is a source of each.
KERNEL_MODULES = "kernel_numba*.py"


@functools.cache
def _digest(path: str, mtime_ns: int, size: int) -> str:
    # Keyed on the file's time and size as well, so that an edit in a running process counts.
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def kernel_sources_stamp(py_file: str) -> tuple:
    """The stamp of a kernel module's cached functions.

    Parameters
    ----------
    py_file : str
        The kernel module's source file.

    Returns
    -------
    tuple
        LLVM's vectorizer options, then the name and SHA-256 of every kernel module in
        ``py_file``'s directory, in order of name.
    """
    stamps = []
    for path in sorted(Path(py_file).parent.glob(KERNEL_MODULES)):
        status = path.stat()
        stamps.append((path.name, _digest(str(path), status.st_mtime_ns, status.st_size)))
    return (VECTORIZER_OPTIONS, tuple(stamps))


class _AllKernelSources:
    """Mixin for a numba cache locator: kernel modules only, stamped with all of them."""

    _py_file: str

    def get_source_stamp(self):
        return kernel_sources_stamp(self._py_file)

    @classmethod
    def from_function(cls, py_func, py_file):
        if not fnmatch(Path(py_file).name, KERNEL_MODULES):
            return None
        return super().from_function(py_func, py_file)


class _UserProvidedKernelLocator(_AllKernelSources, UserProvidedCacheLocator):
    """Under ``NUMBA_CACHE_DIR``, as numba's."""


class _InTreeKernelLocator(_AllKernelSources, InTreeCacheLocator):
    """In ``__pycache__`` beside the module, as numba's."""


class _UserWideKernelLocator(_AllKernelSources, UserWideCacheLocator):
    """In the user's cache directory where ``__pycache__`` is not writable, as numba's."""


_LOCATORS = (_UserProvidedKernelLocator, _InTreeKernelLocator, _UserWideKernelLocator)


def cache_with_all_sources() -> None:
    """Put the kernel modules' locators in front of numba's, once per process.

    Every kernel module calls it as it is imported, before its first ``cache=True``
    function is defined (numba picks a function's locator then).
    """
    if _LOCATORS[0] not in CacheImpl._locator_classes:
        CacheImpl._locator_classes[:0] = _LOCATORS

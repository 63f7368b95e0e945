"""How the numba kernels are compiled: the same bits whatever the CPU's vector width.

The kernels let LLVM reassociate one kind of sum, the sums over the examples
(``dW``, ``db``), which its loop vectorizer then splits into partial sums, one
per SIMD lane and interleaved copy of the loop. Left to itself it picks the lanes
by the CPU: 8 with AVX-512, 4 with AVX2, 2 with SSE2, times an interleave its cost
model chooses. The split decides the last bits of every gradient, and over
thousands of iterations a last-bit difference can decide a run's outcome: the
default study, trained on an AVX2 CPU and on an AVX-512 one, counted one of its
960 networks ``ok`` on the first and ``collapsed`` on the second.

:func:`force_vector_width` fixes the split: every vectorized loop has 8 lanes and
no interleave, whatever the CPU, so that a machine with 128-, 256- or 512-bit
vectors computes 8 lanes in 4, 2 or 1 registers, with the same partial sums in the
same order (``tests/test_kernel_targets.py`` compiles for SSE2, AVX2 and the
host and compares the trained networks bit for bit). On an AVX-512 CPU this costs
no measurable time (``docs/performance.md``).

LLVM's options are global to the process: any other numba code of the process
is vectorized the same way. With a forced width LLVM also prints a remark for
each loop it leaves scalar; :func:`remarks_dropped` keeps them out of the
terminal while a kernel compiles.
"""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager

import llvmlite.binding as llvm

#: Lanes of every vectorized loop: a sum over the examples is split into this many
#: partial sums on every CPU.
LANES = 8
#: The options of LLVM's loop vectorizer that fix the split.
VECTORIZER_OPTIONS = (f"-force-vector-width={LANES}", "-force-vector-interleave=1")
_REMARK = "remark: "


def force_vector_width() -> None:
    """Set :data:`VECTORIZER_OPTIONS` in this process's LLVM, before any kernel compiles.

    Setting them again is harmless. numba's own cache is not keyed on LLVM's options,
    so every module whose compiled code the kernels cache calls this as it is
    imported (and the kernels' cache stamp includes them,
    :mod:`initstudy.model.kernel_numba_cache`).
    """
    for option in VECTORIZER_OPTIONS:
        llvm.set_option("initstudy", option)


@contextmanager
def remarks_dropped():
    """While the block runs, drop the lines LLVM prints as ``remark: ...`` to file
    descriptor 2; anything else written there is passed on when the block ends."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            lines = sink.read().decode("utf-8", "replace").splitlines(keepends=True)
            kept = "".join(line for line in lines if not line.startswith(_REMARK))
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()

"""The machine's one-thread matrix-product peak, measured honestly, in a child process.

Some environments pin OpenBLAS to an older kernel (``OPENBLAS_CORETYPE=Haswell``
and ``OPENBLAS_L2_SIZE``, which keep old OpenBLAS builds from miscomputing on
new processors). A peak measured under that pin is the pinned kernel's, not the
machine's: on a Zen 5 CPU the pinned AVX2 kernel runs a float64 product at
about 50 GFLOP/s and OpenBLAS's own choice (``SkylakeX``, AVX-512) at about 87.
So :func:`machine_peak` measures in a child Python with both variables unset
there alone (the workflow, the tests and this process keep them), one BLAS
thread, and returns the kernel OpenBLAS chose (threadpoolctl) and the CPU as
LLVM sees it (``llvmlite``'s host name and its vector features), which is what
numba compiles for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: The variables that pin OpenBLAS's kernel; unset in the child only.
PINNING_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
#: The library's sources, which ``trainers`` imports.
SRC = Path(__file__).resolve().parents[1] / "src"
#: LLVM's host features worth printing: the vector extensions numba may use.
VECTOR_FEATURES = ("sse4.2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512vl")


@dataclass(frozen=True)
class Peak:
    """A measured one-thread float64 matrix-product peak.

    Attributes
    ----------
    samples : list of float
        GFLOP/s of each product.
    kernel : str or None
        The BLAS kernel (``threadpoolctl``'s ``architecture``), e.g. ``Haswell``.
    pinned : dict
        The pinning variables as they were set in this process (unset in the child).
    """

    samples: list[float]
    kernel: str | None
    pinned: dict[str, str]


def machine_peak(n: int = 2048, repeats: int = 5) -> Peak:
    """Measure the peak in a child process with the pinning variables unset.

    Parameters
    ----------
    n : int
        Side of the square float64 matrices.
    repeats : int
        Products timed (after one to warm up).

    Returns
    -------
    Peak
        The samples, the kernel OpenBLAS chose and the variables the child dropped.
    """
    env = {k: v for k, v in os.environ.items() if k not in PINNING_VARIABLES}
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    # This file run as a script (below), with the library on its path for ``trainers``.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    out = subprocess.run(
        [sys.executable, __file__, str(n), str(repeats)],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    result = json.loads(out.stdout.strip().splitlines()[-1])
    pinned = {k: os.environ[k] for k in PINNING_VARIABLES if k in os.environ}
    return Peak(result["samples"], result["kernel"], pinned)


def this_process_kernel() -> str | None:
    """The BLAS kernel of this process (under whatever pinning its environment has)."""
    from threadpoolctl import threadpool_info

    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    return blas[0].get("architecture") if blas else None


def llvm_cpu() -> str:
    """LLVM's host CPU name and its vector features, as numba compiles for them."""
    try:
        import llvmlite.binding as llvm
    except ImportError:
        return "llvmlite not installed"
    features = llvm.get_host_cpu_features()
    shown = [name for name in VECTOR_FEATURES if features.get(name)]
    return f"{llvm.get_host_cpu_name()} ({' '.join(shown) or 'no vector extensions'})"


if __name__ == "__main__":
    # The child of machine_peak: its environment is set, so NumPy may be imported now.
    import trainers
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        samples = trainers.matmul_gflops(int(sys.argv[1]), int(sys.argv[2]))
    print(json.dumps({"samples": samples, "kernel": this_process_kernel()}))

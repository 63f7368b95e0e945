"""The numba kernels train the same networks, bit for bit, whatever vector width the CPU has.

Each other target compiles the kernels in a fresh process, into its own numba cache (numba's
``NUMBA_CPU_NAME`` and ``NUMBA_CPU_FEATURES``): the x86-64 baseline (SSE2, 128-bit vectors)
and, on a host with AVX-512, an AVX2 CPU (Haswell) between it and this machine's CPU, whose
kernels are the ones the suite compiled at its start (tests/conftest.py). Each trains a
batch of ReLU and of tanh networks of the notebook's shape and of a deeper one, and prints a
hash of their trained parameters. Without the forced width
(:mod:`initstudy.model.kernel_numba_build`) the hashes differ: on 2026-12-04, on a Zen 5 CPU,
the AVX2 build of the kernels before it trained other networks from the same start than both
the AVX-512 and the SSE2 build.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest
from conftest import REPO

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(platform.machine() != "x86_64", reason="the targets are x86-64 CPUs"),
]

_BASE = "+64bit,+cmov,+cx8,+fxsr,+mmx,+sse,+sse2"
TARGETS = {
    "host": {},  # the suite's own cache beside src/, compiled once for every test
    "avx2": {
        "NUMBA_CPU_NAME": "haswell",
        "NUMBA_CPU_FEATURES": f"{_BASE},+sse3,+ssse3,+sse4.1,+sse4.2,+popcnt,+avx,+avx2,+fma,"
        "+bmi,+bmi2,+f16c,+lzcnt,+movbe,+cx16,+xsave",
    },
    "sse2": {"NUMBA_CPU_NAME": "x86-64", "NUMBA_CPU_FEATURES": _BASE},
}

# Trains a few networks of each shape and activation; prints one hash per case.
SCRIPT = """
import hashlib
import numpy as np
from initstudy.model.net import batched_mlp
for activation in ("relu", "tanh"):
    for layers, iterations in (([2, 10, 5, 1], 2000), ([2] + [32] * 6 + [1], 100)):
        rng = np.random.default_rng(0)
        shapes = list(zip(layers, layers[1:]))
        W = [rng.standard_normal((4, b, a)) * np.sqrt(2 / a) for a, b in shapes]
        B = [rng.standard_normal((4, b, 1)) * 0.1 for b in layers[1:]]
        X = rng.standard_normal((2, 300))
        y = (rng.random((1, 300)) > 0.5).astype(float)
        net = batched_mlp(W, B, 300, backend="numba", activation=activation)
        net.run(X, y, 0.01, iterations)
        assert np.isfinite(net._params).all()
        print(activation, len(layers), hashlib.sha256(net._params.tobytes()).hexdigest())
"""


def _host_has_avx512() -> bool:
    import llvmlite.binding as llvm

    return "+avx512f" in llvm.get_host_cpu_features().flatten().split(",")


def _train(target: str, tmp_path) -> tuple[str, str]:
    """The hashes the kernels compiled for ``target`` print, and the process's stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_CPU")}
    env.update(TARGETS[target], PYTHONPATH=str(REPO / "src"))
    if TARGETS[target]:
        env["NUMBA_CACHE_DIR"] = str(tmp_path / f"cache-{target}")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout, proc.stderr


@pytest.mark.timeout(900)
def test_every_vector_width_trains_the_same_bits(tmp_path):
    targets = ["host", "sse2", *(["avx2"] if _host_has_avx512() else [])]
    runs = {target: _train(target, tmp_path) for target in targets}
    hashes = {target: stdout for target, (stdout, _) in runs.items()}
    assert len(hashes["host"].splitlines()) == 4
    for target in targets:
        assert hashes[target] == hashes["host"], hashes
    # Compiling printed LLVM's remarks on the loops it left scalar: none reached the terminal
    # (the host's kernels came from the cache; the others compiled here).
    for target, (_, stderr) in runs.items():
        assert "remark:" not in stderr, (target, stderr[-2000:])

"""The trainer's benchmark runs end to end, on a size that takes seconds.

Its numbers are not asserted (speed lives in the benchmark's output, never in a test): this
checks that it starts, times the project's backends beside the notebook's loop against the
machine's peak, and still finds the kernels' costs equal to the notebook loop's. A refactor
once stopped it at its start (it read a module attribute that the lazy import of numba had
removed), and nothing failed.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow

TINY = [
    "--iterations", "20", "--log-every", "10", "--networks", "2", "--notebook-networks", "1",
    "--sklearn-networks", "0", "--deep-networks", "0", "--repeats", "1", "--skip", "jax", "sklearn",
]  # fmt: skip


def test_the_trainer_benchmark_times_both_backends_against_the_peak():
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_trainer.py"), *TINY],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "in a child process with OpenBLAS's pinning unset" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("project", "notebook"))]
    trainers = {(row[0], row[1], next(t for t in row if t in ("relu", "tanh"))) for row in rows}
    for activation in ("relu", "tanh"):
        for trainer in (("project", "numba"), ("project", "numpy"), ("notebook", "loop")):
            assert (*trainer, activation) in trainers, out
    # every row ends with its share of the machine's peak and of the pinned kernel's
    assert all(row[-2].endswith("%") and row[-1].endswith("%") for row in rows), out
    for backend in ("numba", "numpy"):
        assert f"{backend}: 1 of 1 networks with every logged cost" in out, out
        assert "train and test accuracies equal for 1 of 1 networks" in out, out

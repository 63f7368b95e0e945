"""Compile the numba training kernels into numba's cache (nothing to do without numba)."""

import numpy as np
from common import finish, start_log

from initstudy.atomic import write_text_atomic
from initstudy.init import initialize_batch
from initstudy.net import resolve_backend
from initstudy.train import TrainSettings, train_batch

smk = snakemake  # noqa: F821
log = start_log(smk)
backend = resolve_backend(None)
if backend == "numba":
    import numba

    # One tiny training run calls the kernels the jobs call (forward and run), with
    # their argument types.
    weights, biases = initialize_batch("he", [2, 3, 3, 1], 1.0, [0, 1])
    X = np.random.RandomState(0).randn(2, 8)
    settings = TrainSettings((), 0.1, 2, 1, backend=backend)
    train_batch(weights, biases, X, (X[:1] > 0).astype(float), settings)
    text = f"backend numba {numba.__version__}: kernels compiled and cached\n"
else:
    text = "backend numpy: numba is not installed, nothing to compile\n"
log.info(text.strip())
write_text_atomic(smk.output[0], text)
finish(log)

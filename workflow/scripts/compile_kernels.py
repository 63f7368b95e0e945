"""Compile one numba kernel (wildcards.kernel: forward or run) into numba's cache.

Nothing to do where numba is not installed (the NumPy backend).
"""

import numpy as np
from common import finish, start_log

from initstudy.model.init import initialize_batch
from initstudy.model.net import batched_mlp, resolve_backend
from initstudy.util.atomic import write_text_atomic

smk = snakemake  # noqa: F821
log = start_log(smk)
kernel = smk.wildcards.kernel
backend = resolve_backend(None)
if backend == "numba":
    import numba

    # A tiny network calls the kernel with the argument types of the training jobs.
    weights, biases = initialize_batch("he", [2, 3, 3, 1], 1.0, [0, 1])
    X = np.random.RandomState(0).randn(2, 8)
    net = batched_mlp(weights, biases, X.shape[1], backend)
    if kernel == "forward":
        net.forward(X)
    else:
        net.run(X, (X[:1] > 0).astype(float), 0.1, 2)
    text = f"backend numba {numba.__version__}: kernel {kernel} compiled and cached\n"
else:
    text = "backend numpy: numba is not installed, nothing to compile\n"
log.info(text.strip())
write_text_atomic(smk.output[0], text)
finish(log)

"""Depth study: per-layer signal and gradients of one initializer's networks at initialization."""

import time

import numpy as np
import pandas as pd
from common import finish, start_log

from initstudy.model.data import load_dataset
from initstudy.tables.tables import write_table
from initstudy.theory.depth_signal import measure_signal

smk = snakemake  # noqa: F821
log = start_log(smk)
MEASURED = ("forward_second_moment", "backward_second_moment", "weight_gradient_norm")
p = smk.params
init = smk.wildcards.depth_init
dataset = load_dataset(smk.input.data)
X, y = dataset.X_train.T, dataset.y_train
frames = []
for scale in p.scales:
    for depth in p.depths:
        start = time.perf_counter()
        frame = measure_signal(X, y, init, scale, depth, p.width, p.seeds)
        frames.append(frame)
        measured = frame[list(MEASURED)].to_numpy(dtype=float)
        log.info(
            "%s x%g, %d hidden layers of %d: %d seeds in %.2f s, %d non-finite values",
            init, scale, depth, p.width, len(p.seeds), time.perf_counter() - start,
            int((~np.isfinite(measured)).sum()),
        )  # fmt: skip
write_table(pd.concat(frames, ignore_index=True), smk.output[0])
log.info("done")
finish(log)

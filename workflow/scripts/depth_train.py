"""Depth study: train one initializer's networks at one scale, depth by depth (seeds as a batch)."""

import pandas as pd
from common import start_log

from initstudy.data import load_dataset
from initstudy.depth_training import train_depth
from initstudy.tables import write_table
from initstudy.train import TrainSettings

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
init, scale = smk.wildcards.depth_init, float(smk.wildcards.depth_scale)
dataset = load_dataset(smk.input.data)


def progress(iteration, costs, elapsed):
    alive = costs[costs == costs]
    log.info(
        "iteration %6d  median cost %s  diverged %d  %.1f s",
        iteration, f"{sorted(alive)[alive.size // 2]:.6g}" if alive.size else "-",
        costs.size - alive.size, elapsed,
    )  # fmt: skip


settings = TrainSettings((), p.learning_rate, p.iterations, p.log_every)
runs = []
for depth in p.depths:
    log.info(
        "training %s x%g: %d hidden layers of %d, %d seeds, %d iterations at learning rate %g",
        init, scale, depth, p.width, len(p.seeds), p.iterations, p.learning_rate,
    )  # fmt: skip
    result = train_depth(dataset, init, scale, depth, p.width, p.seeds, settings, progress)
    events = ", ".join(f"{k} {v}" for k, v in sorted(result.fp_events.items())) or "none"
    log.info("NumPy floating-point events (counted per call, not printed): %s", events)
    runs.append(result.runs)
write_table(pd.concat(runs, ignore_index=True), smk.output[0])
log.info("done")

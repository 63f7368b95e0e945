"""Depth study: train one (initializer, scale, depth) configuration, seeds as a batch.

The reference trains every candidate learning rate; a rerun (``perturbed``: initial
weights times 1 +- perturbation, ``numpy``: the NumPy backend) trains the rate chosen
on validation (``rates`` input).
"""

import pandas as pd
from common import finish, start_log

from initstudy.analysis.depth_training import train_depth
from initstudy.model.data import load_dataset
from initstudy.model.train import TrainSettings
from initstudy.tables.tables import read_table, write_table

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
w = smk.wildcards
init, scale, depth = w.depth_init, float(w.depth_scale), int(w.depth_layers)
dataset = load_dataset(smk.input.data)
backend = "numpy" if p.variant == "numpy" else p.backend
perturbation = (p.perturbation, p.perturbation_seed) if p.variant == "perturbed" else None
if p.variant == "reference":
    rates = list(p.learning_rates)
else:
    table = read_table(smk.input.rates, ("init", "scale", "depth", "learning_rate", "chosen"),
                       "snakemake --forcerun depth_select")  # fmt: skip
    shape = (table["init"] == init) & (table["scale"] == scale) & (table["depth"] == depth)
    rates = table.loc[shape & table["chosen"], "learning_rate"].tolist()


def progress(iteration, costs, elapsed):
    alive = costs[costs == costs]
    log.info(
        "iteration %6d  median cost %s  diverged %d  %.1f s",
        iteration, f"{sorted(alive)[alive.size // 2]:.6g}" if alive.size else "-",
        costs.size - alive.size, elapsed,
    )  # fmt: skip


runs, costs = [], []
for rate in rates:
    log.info(
        "%s %s x%g: %d hidden layers of %d, %d seeds, %d iterations at learning rate %g",
        p.variant, init, scale, depth, p.width, len(p.seeds), p.iterations, rate,
    )  # fmt: skip
    settings = TrainSettings((), rate, p.iterations, p.log_every, backend)
    result = train_depth(
        dataset, init, scale, depth, p.width, p.seeds, settings, progress, perturbation
    )
    events = ", ".join(f"{k} {v}" for k, v in sorted(result.fp_events.items())) or "none"
    log.info("NumPy floating-point events (counted per call, not printed): %s", events)
    runs.append(result.runs)
    costs.append(result.costs)
write_table(pd.concat(runs, ignore_index=True), smk.output.runs)
write_table(pd.concat(costs, ignore_index=True), smk.output.costs)
log.info("done")
finish(log)

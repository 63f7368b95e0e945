"""Train one grid cell (all seeds as one batch) and write its tables and parameters."""

import numpy as np
from common import finish, start_log
from threadpoolctl import threadpool_info

from initstudy.cell import save_parameters, train_cell
from initstudy.data import load_dataset
from initstudy.grid import add_axis_columns, cell_from_wildcards
from initstudy.tables import write_table
from initstudy.train import TrainSettings

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
cell = cell_from_wildcards(smk.wildcards, tuple(p.axes))
init, scale = cell["init"], cell["scale"]
# Snakemake sets OMP/OPENBLAS_NUM_THREADS to the rule's threads: logged so it can be checked.
blas = ", ".join(f"{lib['internal_api']} {lib['num_threads']}" for lib in threadpool_info())
log.info(
    "BLAS threads: %s; job threads: %d; backend: %s",
    blas or "none",
    smk.threads,
    p.backend,
)
log.info(
    "training %s: %d seeds, layers %s, %d iterations at learning rate %g",
    cell,
    len(p.seeds),
    p.layers,
    p.iterations,
    p.learning_rate,
)


def progress(iteration, costs, elapsed):
    """One log line per logged iteration, so a long run can be followed with ``tail -f``."""
    alive = costs[np.isfinite(costs)]
    if alive.size:
        log.info(
            "iteration %6d  cost min %.6g median %.6g max %.6g  diverged %d  %.1f s",
            iteration,
            alive.min(),
            np.median(alive),
            alive.max(),
            costs.size - alive.size,
            elapsed,
        )
    else:
        log.info("iteration %6d  all %d networks diverged  %.1f s", iteration, costs.size, elapsed)


result = train_cell(
    load_dataset(smk.input.data),
    init,
    scale,
    p.seeds,
    TrainSettings(p.layers, p.learning_rate, p.iterations, p.log_every, p.backend),
    progress,
)
events = ", ".join(f"{k} {v}" for k, v in sorted(result.fp_events.items())) or "none"
log.info("NumPy floating-point events (counted per call, not printed): %s", events)
for table in (result.runs, result.costs):
    add_axis_columns(table, cell)
write_table(result.runs, smk.output.runs)
write_table(result.costs, smk.output.costs)
save_parameters(result, p.seeds, smk.output.params)
log.info("done")
finish(log)

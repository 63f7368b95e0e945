"""Train the cells of one training job (each cell's seeds as one batch), one after the other,
and write each cell's tables and parameters as soon as it is trained."""

import numpy as np
from common import finish, start_log
from threadpoolctl import threadpool_info

from initstudy.grid.grid import add_axis_columns
from initstudy.model.cell import save_parameters, train_cell
from initstudy.model.data import load_dataset
from initstudy.model.perturb import perturbed_initial
from initstudy.model.train import TrainSettings
from initstudy.tables.tables import write_table

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
# Snakemake sets OMP/OPENBLAS_NUM_THREADS to the rule's threads: logged so it can be checked.
blas = ", ".join(f"{lib['internal_api']} {lib['num_threads']}" for lib in threadpool_info())
log.info("BLAS threads: %s; job threads: %d", blas or "none", smk.threads)


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


settings = [
    TrainSettings(layers, rate, p.iterations, p.log_every, backend, activation)
    for layers, rate, backend, activation in zip(
        p.layers, p.learning_rates, p.backends, p.activations, strict=True
    )
]
outputs = zip(p.cells, p.data, settings, p.perturbations, p.bias_stds, smk.output.runs,
              smk.output.costs, smk.output.params, strict=True)  # fmt: skip
for cell, data, settings, perturbation, bias_std, runs_path, costs_path, params_path in outputs:
    log.info(
        "training %s: %d seeds, layers %s, %s, bias std %g, %d iterations at learning rate %g "
        "(%s)%s",
        cell, len(p.seeds), settings.layers, settings.activation, bias_std, p.iterations,
        settings.learning_rate, settings.backend,
        f", weights perturbed by {perturbation}" if perturbation else "",
    )  # fmt: skip
    initial = None
    if perturbation:
        initial = perturbed_initial(
            cell["init"], settings.layers, cell["scale"], p.seeds, perturbation, bias_std
        )
    result = train_cell(
        load_dataset(data), cell["init"], cell["scale"], p.seeds, settings, progress, initial,
        bias_std,
    )  # fmt: skip
    events = ", ".join(f"{k} {v}" for k, v in sorted(result.fp_events.items())) or "none"
    log.info("NumPy floating-point events (counted per call, not printed): %s", events)
    for table in (result.runs, result.costs):
        add_axis_columns(table, cell)
    write_table(result.runs, runs_path)
    write_table(result.costs, costs_path)
    save_parameters(result, p.seeds, params_path)
log.info("done: %d cells", len(p.cells))
finish(log)

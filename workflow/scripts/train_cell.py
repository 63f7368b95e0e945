"""Train one grid cell (all seeds as one batch) and write its tables and parameters."""

from common import start_log

from initstudy.cell import save_parameters, train_cell
from initstudy.data import load_dataset
from initstudy.tables import write_table

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
init, scale = smk.wildcards.init, float(smk.wildcards.scale)
log.info(
    "training %s x%s: %d seeds, layers %s, %d iterations",
    init,
    scale,
    len(p.seeds),
    p.layers,
    p.iterations,
)


def progress(iteration, costs, elapsed):
    alive = costs[costs == costs]
    if alive.size:
        log.info(
            "iteration %6d  cost min %.6g median %.6g max %.6g  diverged %d  %.1f s",
            iteration,
            alive.min(),
            float(sorted(alive)[alive.size // 2]),
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
    p.layers,
    p.learning_rate,
    p.iterations,
    p.log_every,
    progress,
)
events = ", ".join(f"{k} {v}" for k, v in sorted(result.fp_events.items())) or "none"
log.info("NumPy floating-point events (counted per call, not printed): %s", events)
write_table(result.runs, smk.output.runs)
write_table(result.costs, smk.output.costs)
save_parameters(result, p.seeds, smk.output.params)
log.info("done")

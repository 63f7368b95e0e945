"""Gather the cells into runs.csv and costs.csv, classify outcomes, compute seed statistics."""

from common import start_log

from initstudy.aggregate import collect_cells
from initstudy.outcomes import classify
from initstudy.paired import paired_comparison
from initstudy.stats import summarize
from initstudy.tables import write_table
from initstudy.train import logged_iterations

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
axes = tuple(p.axes)
runs, costs = collect_cells(
    list(smk.input.runs),
    list(smk.input.costs),
    p.seeds,
    logged_iterations(p.iterations, p.log_every),
    axes,
)
runs["status"] = classify(runs, costs, axes, p.threshold, p.stuck_margin)
summary = summarize(runs, p.threshold, p.resamples, p.bootstrap_seed, p.level, axes)
paired = paired_comparison(runs, tuple(p.reference), p.resamples, p.bootstrap_seed, p.level, axes)
write_table(runs, smk.output.runs)
write_table(costs, smk.output.costs)
write_table(summary, smk.output.summary)
write_table(paired, smk.output.paired)
log.info(
    "%d runs in %d cells; statuses: %s",
    len(runs),
    len(summary),
    runs["status"].value_counts().to_dict(),
)

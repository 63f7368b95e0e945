"""Gather the cells' tables, then classify, time and summarize every run
(initstudy.analysis.analysis)."""

from common import finish, start_log

from initstudy.analysis.analysis import AnalysisSettings, analyse, budgets, equal_gain_cells
from initstudy.model.train import logged_iterations
from initstudy.tables.aggregate import collect_cells
from initstudy.tables.tables import write_table

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
axes = tuple(p.axes)
logged = logged_iterations(p.iterations, p.log_every)
runs, costs = collect_cells(
    list(smk.input.runs),
    list(smk.input.costs),
    p.seeds,
    logged,
    axes,
    cells=p.grid_cells,
)
settings = AnalysisSettings(
    axes=axes,
    threshold=p.threshold,
    stuck_margin=p.stuck_margin,
    budgets=budgets(p.notebook_iterations, p.iterations, logged),
    n_resamples=p.resamples,
    bootstrap_seed=p.bootstrap_seed,
    level=p.level,
    reference=p.reference[0],
    equal_gain=equal_gain_cells(p.cells, p.layers, p.reference[0]),
    thresholds=tuple(p.thresholds),
    layers=tuple(p.layers),
)
tables = analyse(runs, costs, settings)
for name, table in tables.items():
    write_table(table, smk.output[name])
log.info(
    "%d runs in %d cells; statuses: %s",
    len(tables["runs"]),
    len(tables["times"]),
    tables["runs"]["status"].value_counts().to_dict(),
)
finish(log)

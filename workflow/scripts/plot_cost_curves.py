"""Figure: cost over training of each initializer at scale 1 (or the nearest scale)."""

from common import start_log

from initstudy.plausibility import study_rows
from initstudy.plots import save_figure
from initstudy.plots_training import plot_cost_curves
from initstudy.tables import COST_COLUMNS, read_table

smk = snakemake  # noqa: F821
log = start_log(smk)
costs = read_table(
    smk.input.costs,
    COST_COLUMNS,
    "snakemake --forcerun aggregate",
    expected=study_rows(smk.config, "costs"),
)
save_figure(plot_cost_curves(costs, smk.params.target_scale), smk.output[0])
log.info("%d initializers drawn", costs["init"].nunique())

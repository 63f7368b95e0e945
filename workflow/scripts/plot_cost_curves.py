"""Figure: cost over training of each initializer at its cell chosen on validation."""

from common import start_log

from initstudy.plausibility import study_rows
from initstudy.plots import save_figure
from initstudy.plots_training import plot_cost_curves
from initstudy.tables import COST_COLUMNS, read_table

smk = snakemake  # noqa: F821
log = start_log(smk)
rebuild = "snakemake --forcerun aggregate"
costs = read_table(smk.input.costs, COST_COLUMNS, rebuild, expected=study_rows(smk.config, "costs"))
selection = read_table(smk.input.selection, ("init", "scale"), rebuild)
save_figure(plot_cost_curves(costs, selection), smk.output[0])
log.info("%d chosen cells drawn", len(selection))

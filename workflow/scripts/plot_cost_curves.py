"""Figure: cost over training of each initializer at its cell chosen on validation."""

from common import finish, start_log
from study_tables import read_study_table

from initstudy.plots.plots import save_figure
from initstudy.plots.plots_training import plot_cost_curves

smk = snakemake  # noqa: F821
log = start_log(smk)
costs, selection = read_study_table(smk, "costs"), read_study_table(smk, "selection")
save_figure(plot_cost_curves(costs, selection), smk.output[0])
log.info("%d chosen cells drawn", len(selection))
finish(log)

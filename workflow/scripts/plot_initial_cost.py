"""Figure: cost of the untrained networks of every cell."""

from common import finish, start_log
from study_tables import read_study_table

from initstudy.plots.plots import save_figure
from initstudy.plots.plots_training import plot_initial_cost

smk = snakemake  # noqa: F821
log = start_log(smk)
runs = read_study_table(smk, "runs")
save_figure(plot_initial_cost(runs), smk.output[0])
log.info("%d runs drawn", len(runs))
finish(log)

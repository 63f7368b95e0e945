"""Figure: share of runs learned over training (Kaplan-Meier) of each initializer at its cell
chosen on validation, per data set."""

from common import finish, start_log
from study_tables import read_study_table

from initstudy.plots.plots import save_figure
from initstudy.plots.plots_learning import plot_time_to_learn

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
runs, selection = read_study_table(smk, "runs"), read_study_table(smk, "selection")
save_figure(plot_time_to_learn(runs, selection, p.threshold, p.level), smk.output[0])
log.info("%d chosen cells drawn", len(selection))
finish(log)

"""Figure: share of runs learned over training (Kaplan-Meier) of each initializer at its cell
chosen on validation, per data set."""

from common import start_log

from initstudy.plausibility import study_rows
from initstudy.plots import save_figure
from initstudy.plots_learning import plot_time_to_learn
from initstudy.tables import RUN_COLUMNS, read_table

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
rebuild = "snakemake --forcerun aggregate"
runs = read_table(smk.input.runs, RUN_COLUMNS, rebuild, expected=study_rows(smk.config, "runs"))
selection = read_table(smk.input.selection, ("init", "scale"), rebuild)
save_figure(plot_time_to_learn(runs, selection, p.threshold, p.level), smk.output[0])
log.info("%d chosen cells drawn", len(selection))

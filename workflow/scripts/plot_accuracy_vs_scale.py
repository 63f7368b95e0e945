"""Figure: mean test accuracy and success rate against the scale, per data set and learning
rate."""

from common import finish, start_log
from study_tables import read_study_table

from initstudy.plots.plots import save_figure
from initstudy.plots.plots_facets import plot_accuracy_vs_scale

smk = snakemake  # noqa: F821
log = start_log(smk)
summary = read_study_table(smk, "summary")
save_figure(plot_accuracy_vs_scale(summary, smk.params.threshold, smk.params.level), smk.output[0])
log.info("%d cells drawn", len(summary))
finish(log)

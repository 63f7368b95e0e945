"""Figure: heatmap of mean test accuracy, rows initializer x scale, columns learning rate, one
panel per data set, with success counts."""

from common import finish, start_log
from study_tables import read_study_table

from initstudy.plots.plots import save_figure
from initstudy.plots.plots_facets import plot_heatmap

smk = snakemake  # noqa: F821
log = start_log(smk)
summary = read_study_table(smk, "summary")
save_figure(plot_heatmap(summary, smk.params.threshold), smk.output[0])
log.info("%d cells drawn", len(summary))
finish(log)

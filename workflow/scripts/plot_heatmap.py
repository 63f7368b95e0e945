"""Figure: heatmap of mean test accuracy, rows initializer x scale, columns learning rate, one
panel per data set, with success counts."""

from common import start_log

from initstudy.plausibility import study_rows
from initstudy.plots import save_figure
from initstudy.plots_facets import plot_heatmap
from initstudy.stats import SUMMARY_COLUMNS
from initstudy.tables import read_table

smk = snakemake  # noqa: F821
log = start_log(smk)
summary = read_table(
    smk.input.summary,
    SUMMARY_COLUMNS,
    "snakemake --forcerun aggregate",
    expected=study_rows(smk.config, "summary"),
)
save_figure(plot_heatmap(summary, smk.params.threshold), smk.output[0])
log.info("%d cells drawn", len(summary))

"""Figure: mean test accuracy and success rate against the scale, per data set and learning
rate."""

from common import start_log

from initstudy.plausibility import study_rows
from initstudy.plots import save_figure
from initstudy.plots_facets import plot_accuracy_vs_scale
from initstudy.stats import SUMMARY_COLUMNS
from initstudy.tables import read_table

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
summary = read_table(
    smk.input.summary,
    SUMMARY_COLUMNS,
    "snakemake --forcerun aggregate",
    expected=study_rows(smk.config, "summary"),
)
save_figure(plot_accuracy_vs_scale(summary, p.threshold, p.level), smk.output[0])
log.info("%d cells drawn", len(summary))

"""Figure: test accuracy and success rate of the trained deep networks against depth."""

from common import start_log

from initstudy.plots import save_figure
from initstudy.plots_accuracy import plot_accuracy_vs_depth
from initstudy.stats import SUMMARY_COLUMNS
from initstudy.tables import read_table

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
columns = (*SUMMARY_COLUMNS, "depth", "width")
summary = read_table(smk.input.summary, columns, "snakemake --forcerun depth_summary")
save_figure(plot_accuracy_vs_depth(summary, p.threshold, p.level), smk.output[0])
log.info("%d (initializer, scale, depth) cells drawn", len(summary))

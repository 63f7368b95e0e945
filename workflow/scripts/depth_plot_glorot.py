"""Figure: Glorot & Bengio's activations and back-propagated gradients per layer (depth study)."""

from common import finish, start_log

from initstudy.plots.plots import save_figure
from initstudy.plots.plots_depth import plot_glorot
from initstudy.tables.tables import read_table
from initstudy.theory.depth_glorot import HISTOGRAM_COLUMNS, SUMMARY_COLUMNS, declare_rules

smk = snakemake  # noqa: F821
log = start_log(smk)
declare_rules(smk.params.rules)  # their colours
rebuild = "snakemake --forcerun depth_glorot"
summary = read_table(smk.input.summary, SUMMARY_COLUMNS, rebuild)
histograms = read_table(smk.input.histograms, HISTOGRAM_COLUMNS, rebuild)
save_figure(plot_glorot(summary, histograms), smk.output[0])
log.info("%d rules drawn", summary["init"].nunique())
finish(log)

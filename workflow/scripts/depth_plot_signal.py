"""Figure: forward signal per layer at initialization against the theory (depth study)."""

from common import finish, start_log

from initstudy.plots.plots import save_figure
from initstudy.plots.plots_depth import plot_signal
from initstudy.tables.tables import read_table
from initstudy.theory.depth_signal import RATIO_COLUMNS, SIGNAL_COLUMNS

smk = snakemake  # noqa: F821
log = start_log(smk)
rebuild = "snakemake --forcerun depth_ratios"
signal = read_table(smk.input.signal, SIGNAL_COLUMNS, rebuild)
ratios = read_table(smk.input.ratios, RATIO_COLUMNS, rebuild)
save_figure(plot_signal(signal, ratios, smk.params.level), smk.output[0])
log.info("%d network shapes drawn", len(ratios))
finish(log)

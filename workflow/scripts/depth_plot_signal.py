"""Figure: forward signal per layer at initialization against the theory (depth study)."""

from common import finish, start_log

from initstudy.depth_signal import RATIO_COLUMNS, SIGNAL_COLUMNS
from initstudy.plots import save_figure
from initstudy.plots_depth import plot_signal
from initstudy.tables import read_table

smk = snakemake  # noqa: F821
log = start_log(smk)
rebuild = "snakemake --forcerun depth_ratios"
signal = read_table(smk.input.signal, SIGNAL_COLUMNS, rebuild)
ratios = read_table(smk.input.ratios, RATIO_COLUMNS, rebuild)
save_figure(plot_signal(signal, ratios, smk.params.level), smk.output[0])
log.info("%d network shapes drawn", len(ratios))
finish(log)

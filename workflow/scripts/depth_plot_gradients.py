"""Figure: weight-gradient norm per layer at initialization, one line per depth (depth study)."""

from common import finish, start_log

from initstudy.plots.plots import save_figure
from initstudy.plots.plots_depth import plot_gradients
from initstudy.tables.tables import read_table
from initstudy.theory.depth_signal import SIGNAL_COLUMNS

smk = snakemake  # noqa: F821
log = start_log(smk)
signal = read_table(smk.input.signal, SIGNAL_COLUMNS, "snakemake --forcerun depth_ratios")
save_figure(plot_gradients(signal), smk.output[0])
log.info("%d rows drawn", len(signal))
finish(log)

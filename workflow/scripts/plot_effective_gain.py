"""Figure: success rate of every cell against its He-equivalent gain, per data set and
learning rate."""

from common import start_log

from initstudy.plausibility import study_rows
from initstudy.plots import save_figure
from initstudy.plots_learning import plot_effective_gain
from initstudy.stats import SUMMARY_COLUMNS
from initstudy.tables import read_table

smk = snakemake  # noqa: F821
log = start_log(smk)
rebuild = "snakemake --forcerun aggregate"
summary = read_table(
    smk.input.summary, SUMMARY_COLUMNS, rebuild, expected=study_rows(smk.config, "summary")
)
gains = read_table(smk.input.gain, ("init", "scale", "he_equivalent_gain"), rebuild)
save_figure(plot_effective_gain(summary, gains, smk.params.threshold), smk.output[0])
log.info("%d cells drawn", len(summary))

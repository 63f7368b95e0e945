"""Figure: success rate of every cell against its He-equivalent gain, per data set and
learning rate."""

from common import finish, start_log
from study_tables import read_study_table

from initstudy.plots.plots import save_figure
from initstudy.plots.plots_learning import plot_effective_gain

smk = snakemake  # noqa: F821
log = start_log(smk)
summary, gains = read_study_table(smk, "summary"), read_study_table(smk, "gain")
save_figure(plot_effective_gain(summary, gains, smk.params.threshold), smk.output[0])
log.info("%d cells drawn", len(summary))
finish(log)

"""Figure: the train, validation and test points of every data set of the grid."""

from common import finish, start_log

from initstudy.model.data import load_dataset
from initstudy.plots.plots import save_figure
from initstudy.plots.plots_plane import plot_dataset

smk = snakemake  # noqa: F821
log = start_log(smk)
noise = dict(smk.params.dataset_noise)
# params.dataset_noise lists the data sets in the order of the datasets input.
datasets = {name: load_dataset(path) for name, path in zip(noise, smk.input.datasets, strict=True)}
save_figure(plot_dataset(datasets, noise), smk.output[0])
log.info("data sets drawn: %s", ", ".join(datasets))
finish(log)

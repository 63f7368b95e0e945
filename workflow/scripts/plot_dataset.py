"""Figure: the train and test points of the circles dataset."""

from common import start_log

from initstudy.data import load_dataset
from initstudy.plots import save_figure
from initstudy.plots_plane import plot_dataset

smk = snakemake  # noqa: F821
log = start_log(smk)
dataset = load_dataset(smk.input.data)
save_figure(plot_dataset(dataset, smk.params.noise), smk.output[0])
log.info("%d train and %d test points drawn", len(dataset.y_train), len(dataset.y_test))

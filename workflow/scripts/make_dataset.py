"""Write the circles dataset of the config."""

from common import start_log

from initstudy.data import make_dataset, save_dataset

log = start_log(snakemake)  # noqa: F821
p = snakemake.params  # noqa: F821
dataset = make_dataset(p.n_train, p.n_test, p.noise, p.train_seed, p.test_seed)
save_dataset(dataset, snakemake.output[0])  # noqa: F821
log.info("train X %s, test X %s", dataset.X_train.shape, dataset.X_test.shape)

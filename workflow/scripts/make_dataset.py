"""Write one draw of one data set of the config."""

from common import finish, start_log

from initstudy.model.data import make_dataset, save_dataset

smk = snakemake  # noqa: F821
log = start_log(smk)
spec, draw = smk.params.spec, smk.params.draw
dataset = make_dataset(**spec, draw=draw)
save_dataset(dataset, smk.output[0])
log.info(
    "%s draw %d: train X %s, validation X %s, test X %s",
    spec["kind"], draw, dataset.X_train.shape, dataset.X_validation.shape, dataset.X_test.shape,
)  # fmt: skip
finish(log)
